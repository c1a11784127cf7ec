// Replays a plan of `moed moe replay-plan` on a real `moed devnet` (issue 13, item 2) and counts
// the screen's verdicts: held-back generated worlds, held-out benign and fraud accounts'
// histories, as real signed transactions. Used by scripts/screening_replay.mjs (the long run)
// and tests/e2e/screening_replay.test.mjs (a short one that asserts the bars).
//
// How a plan becomes blocks. The devnet runs with --no-instant and a block time of an hour, so
// nothing is mined but what the replay asks for: every group of transactions that shared an
// original block (the same time) becomes one block at that time, shifted so that the first of a
// segment lands just after the head (gaps between a party's activities stay what they were).
// Before a group, an empty block one second before its time makes admission (which screens at
// the head's time + 1) see the time the block will have. Senders are funded with
// hardhat_setBalance (no transaction, so no statistics move), placed contracts get their code by
// hardhat_setCode, before the first transaction.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ethers } from 'ethers';
import { startDevnet } from './devnet.mjs';

const SCREEN_REFUSAL = /rejected by fraud screening: risk score (\d+) >= reject threshold (\d+)/;

/// JSON-RPC over HTTP; a batch when given an array of [method, params]. Errors come back as
/// { error } items, never thrown, so the caller decides what each means.
export function rpcClient(url) {
  let id = 0;
  async function post(body) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}: ${await res.text()}`);
    return res.json();
  }
  return {
    async call(method, params = []) {
      const r = await post({ jsonrpc: '2.0', id: ++id, method, params });
      if (r.error) throw new Error(`${method}: ${r.error.message}`);
      return r.result;
    },
    async batch(calls) {
      if (calls.length === 0) return [];
      const first = id + 1;
      const body = calls.map(([method, params]) => ({ jsonrpc: '2.0', id: ++id, method, params }));
      const answers = await post(body);
      const byId = new Map(answers.map((a) => [a.id, a]));
      return calls.map((_, i) => byId.get(first + i));
    },
  };
}

/// Reads a plan file (JSON lines): { header, accounts, transactions }.
export function readPlan(file) {
  const plan = { header: null, accounts: [], transactions: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.plan) plan.header = o.plan;
    else if (o.account) plan.accounts.push(o);
    else plan.transactions.push(o);
  }
  if (!plan.header) throw new Error(`${file}: no plan header`);
  return plan;
}

/// Writes a plan with `moed moe replay-plan ARGS --out FILE` and reads it.
export function makePlan(moed, args, file) {
  execFileSync(moed, ['moe', 'replay-plan', ...args, '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return readPlan(file);
}

const hex = (n) => ethers.toQuantity(n);

/// Sends the plan to a fresh devnet and returns what happened to each transaction:
/// outcome 'accept' | 'flag' | 'reject' (refused at admission with the screening message, or
/// left out of its block) | 'error' (refused for anything else: the message is kept), the
/// chain's score, and how the replay strayed from the plan (a planned block the chain split).
export async function replayOnDevnet(plan, { log = () => {} } = {}) {
  const devnet = await startDevnet({ extraArgs: ['--no-instant', '--block-time', '3600'] });
  try {
    const rpc = rpcClient(devnet.url);
    const fraud = (await rpc.call('moe_getModels')).find((m) => m.name === 'fraud');
    if (!fraud) throw new Error('the devnet screens nothing: its genesis names no fraud model');
    if (fraud.sha256 !== plan.header.model) {
      throw new Error(`the plan was scored with model ${plan.header.model}, the devnet runs ${fraud.sha256}: make the plan with this moed`);
    }
    const chainId = BigInt(await rpc.call('eth_chainId'));
    const baseFee = BigInt((await rpc.call('eth_getBlockByNumber', ['latest', false])).baseFeePerGas);
    const maxFee = 2n * baseFee + 2_000_000_000n;
    const txs = plan.transactions;

    // Code first (a placed contract never sends), then every sender's funds: what it sends and
    // pays for gas at the highest fee, and a margin.
    const funding = Date.now();
    for (const a of plan.header.placed_code ?? []) await rpc.call('hardhat_setCode', [a, plan.header.runtime]);
    const need = new Map();
    for (const t of txs) need.set(t.from, (need.get(t.from) ?? 10n ** 18n) + BigInt(t.value) + BigInt(t.gas) * maxFee);
    // Two at a time (the RPC server's threads): both changes usually ride in one block.
    const funds = [...need];
    for (let k = 0; k < funds.length; k += 2) {
      await Promise.all(funds.slice(k, k + 2).map(([a, wei]) => rpc.call('hardhat_setBalance', [a, hex(wei)])));
    }
    log(`placed ${plan.header.placed_code?.length ?? 0} contracts, funded ${need.size} senders in ${((Date.now() - funding) / 1000).toFixed(0)} s`);

    const wallets = new Map();
    const wallet = (key) => {
      let w = wallets.get(key);
      if (!w) wallets.set(key, (w = new ethers.Wallet(key)));
      return w;
    };
    const nonce = new Map();  // sender -> next nonce on the chain
    const results = new Array(txs.length);
    let head = Number((await rpc.call('eth_getBlockByNumber', ['latest', false])).timestamp);
    let split = 0;
    let late = 0;
    let segment = -1;
    let base = 0;
    const started = Date.now();
    for (let g = 0; g < txs.length;) {
      // One planned block: consecutive transactions with its number.
      let end = g;
      while (end < txs.length && txs[end].block === txs[g].block) ++end;
      if (txs[g].segment !== segment) {
        segment = txs[g].segment;
        base = head + 2 - txs[g].dt;
      }
      let time = base + txs[g].dt;
      if (time <= head) {
        late += end - g;  // a block before it was split by the chain
        time = head + 1;
      }
      if (time - 1 > head) await rpc.call('evm_mine', [time - 1]);
      head = time - 1;
      // Sent in plan order with falling tips, so the block keeps that order.
      const sent = [];
      for (let i = g; i < end; ++i) {
        const t = txs[i];
        const n = nonce.get(t.from) ?? 0;
        const tip = 1_000_000_000n + BigInt(end - i);
        const data = t.data_size === 0 ? '0x' : ethers.hexlify(ethers.zeroPadBytes(t.data, t.data_size));
        const raw = await wallet(t.key).signTransaction({
          type: 2, chainId, nonce: n, to: t.to, value: BigInt(t.value), gasLimit: BigInt(t.gas), data,
          maxFeePerGas: maxFee + BigInt(end - i), maxPriorityFeePerGas: tip,
        });
        const [r] = await rpc.batch([['eth_sendRawTransaction', [raw]]]);
        if (r.error) {
          const m = SCREEN_REFUSAL.exec(r.error.message);
          results[i] = m ? { outcome: 'reject', score: Number(m[1]), at: 'admission' } : { outcome: 'error', message: r.error.message };
          continue;
        }
        nonce.set(t.from, n + 1);
        sent.push([i, r.result]);
      }
      await rpc.call('evm_mine', [time]);
      head = time;
      // A group over the block's gas limit spills into the next blocks.
      for (let round = 0; round < 100; ++round) {
        const receipts = await rpc.batch(sent.map(([, h]) => ['eth_getTransactionReceipt', [h]]));
        const missing = sent.filter((_, k) => !receipts[k].result);
        if (missing.length === 0) break;
        const pooled = (await rpc.batch(missing.map(([, h]) => ['eth_getTransactionByHash', [h]]))).filter((a) => a.result);
        if (pooled.length === 0) break;
        ++split;
        await rpc.call('evm_mine', [head + 1]);
        head += 1;
      }
      const answers = await rpc.batch(sent.flatMap(([, h]) => [['eth_getTransactionReceipt', [h]], ['moe_getTransactionVerdict', [h]]]));
      const resync = new Set();
      sent.forEach(([i], k) => {
        const receipt = answers[2 * k].result;
        const verdict = answers[2 * k + 1].result;
        if (!receipt) {
          // Left out of its block: by the block's screening, or behind a sender's left-out nonce.
          results[i] = { outcome: 'reject', at: 'block' };
          resync.add(txs[i].from);
          return;
        }
        results[i] = { outcome: verdict.verdict, score: verdict.score, abstained: verdict.abstained === true, failed: receipt.status !== '0x1' };
      });
      for (const a of resync) nonce.set(a, Number(await rpc.call('eth_getTransactionCount', [a, 'latest'])));
      if (Math.floor(end / 500) > Math.floor(g / 500)) log(`${end}/${txs.length} transactions, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      g = end;
    }
    return { results, flagScore: fraud.flagScore, rejectScore: fraud.rejectScore, split, late, seconds: (Date.now() - started) / 1000 };
  } finally {
    const how = await devnet.stop();
    devnet.remove();
    if (how?.code !== 0) log(`moed did not stop cleanly: ${JSON.stringify(how)}\n${devnet.log()}`);
  }
}

function rate(part, whole) { return whole === 0 ? 0 : part / whole; }

/// Counts at the thresholds: per row (a transaction, or a transaction and a sampled account it
/// screens), on the chain and offline on the same rows; per fraud account; and how many chain
/// scores are the plan's expected ones.
export function summarize(plan, run) {
  const { results, flagScore: F, rejectScore: R } = run;
  const txs = plan.transactions;
  const blank = () => ({ rows: 0, flag: 0, reject: 0, abstained: 0, error: 0, offFlag: 0, offReject: 0, offRows: 0, aloneFlag: 0, aloneReject: 0 });
  const groups = { worlds: blank(), benign: blank(), fraud: blank() };
  const add = (c, t, r) => {
    c.rows += 1;
    if (r.outcome === 'error') { c.error += 1; return; }
    if (r.outcome === 'flag' || r.outcome === 'reject') c.flag += 1;
    if (r.outcome === 'reject') c.reject += 1;
    if (r.abstained) c.abstained += 1;  // far from the training rows: accepted, and counted
    if (t.offline !== null) {
      c.offRows += 1;
      if (t.offline_abstained) return;  // offline as on the chain: an abstention is an accept
      if (t.offline >= F) c.offFlag += 1;
      if (t.offline >= R) c.offReject += 1;
      if (t.offline_alone >= F) c.aloneFlag += 1;
      if (t.offline_alone >= R) c.aloneReject += 1;
    }
  };
  const accountFlag = plan.accounts.map(() => ({ rows: 0, flag: false, reject: false, offFlag: false, offReject: false }));
  const flaggedKinds = {};
  // The plan's expected score assumes every transaction runs: a refused one leaves its
  // parties' statistics short of the plan's for the rest of the replay.
  let matched = 0;
  let compared = 0;
  let afterRefusal = 0;
  const refusedParties = new Set();
  const errors = new Map();
  const mismatches = [];
  txs.forEach((t, i) => {
    const r = results[i];
    if (r.outcome === 'error') errors.set(r.message, (errors.get(r.message) ?? 0) + 1);
    const parties = [t.from, t.to ?? t.created];
    // A sender with a refused transaction has a lower nonce than planned: what it deploys goes
    // to another address than the plan's, and calls to the plan's find no code.
    if (t.created && refusedParties.has(t.from)) refusedParties.add(t.created);
    if (parties.some((p) => refusedParties.has(p))) {
      afterRefusal += 1;
    } else if (r.score !== undefined && r.at !== 'block') {
      compared += 1;
      if (r.score === t.expected) matched += 1;
      else if (mismatches.length < 10) mismatches.push({ i, type: t.type, expected: t.expected, chain: r.score, at: r.at });
    }
    if (r.outcome === 'error' || r.outcome === 'reject') for (const p of parties) refusedParties.add(p);
    if (t.world !== undefined) {
      add(groups.worlds, t, r);
      if (r.outcome !== 'accept' && r.outcome !== 'error') flaggedKinds[t.kind] = (flaggedKinds[t.kind] ?? 0) + 1;
    }
    for (const a of t.accounts ?? []) {
      add(plan.accounts[a].label === 1 ? groups.fraud : groups.benign, t, r);
      const s = accountFlag[a];
      s.rows += 1;
      s.flag ||= r.outcome === 'flag' || r.outcome === 'reject';
      s.reject ||= r.outcome === 'reject';
      s.offFlag ||= t.offline !== null && !t.offline_abstained && t.offline >= F;
      s.offReject ||= t.offline !== null && !t.offline_abstained && t.offline >= R;
    }
  });
  const fraudAccounts = plan.accounts.map((a, k) => ({ a, s: accountFlag[k] })).filter(({ a, s }) => a.label === 1 && s.rows > 0);
  const offAll = (label) => {
    // `moed moe eval`'s own rows of the sampled accounts (token transfer events included).
    const c = { rows: 0, flag: 0, reject: 0, accounts: 0, accountsFlag: 0, accountsReject: 0 };
    for (const a of plan.accounts.filter((x) => x.label === label)) {
      c.accounts += 1;
      c.rows += a.offline_scores.length;
      c.flag += a.offline_scores.filter((s) => s >= F).length;
      c.reject += a.offline_scores.filter((s) => s >= R).length;
      c.accountsFlag += a.offline_scores.some((s) => s >= F) ? 1 : 0;
      c.accountsReject += a.offline_scores.some((s) => s >= R) ? 1 : 0;
    }
    return c;
  };
  return {
    flagScore: F, rejectScore: R, model: plan.header.model,
    transactions: txs.length, seconds: run.seconds, movedLater: plan.header.moved_later, splitBlocks: run.split, late: run.late,
    groups,
    flaggedKinds,
    fraudAccounts: {
      accounts: fraudAccounts.length,
      flagged: fraudAccounts.filter(({ s }) => s.flag).length,
      rejected: fraudAccounts.filter(({ s }) => s.reject).length,
      offlineFlagged: fraudAccounts.filter(({ s }) => s.offFlag).length,
      offlineRejected: fraudAccounts.filter(({ s }) => s.offReject).length,
    },
    offlineAllRows: { benign: offAll(0), fraud: offAll(1) },
    expected: { compared, matched, mismatches, afterRefusal },
    errors: Object.fromEntries(errors),
  };
}

/// The summary as a table for a terminal or a README.
export function formatSummary(s) {
  const pct = (a, b) => (b === 0 ? '-' : `${(100 * a / b).toFixed(2)}%`);
  const lines = [];
  lines.push(`model ${s.model}, flag_score ${s.flagScore}, reject_score ${s.rejectScore}`);
  lines.push(`${s.transactions} transactions replayed in ${s.seconds.toFixed(0)} s; ${s.movedLater} in a block later than their original time (the block of their time was full), ${s.splitBlocks} planned blocks the chain split (${s.late} transactions later than planned)`);
  lines.push('| replayed on a devnet | rows | flagged | rejected | other refusals | offline (eval), same rows: flagged | rejected | offline routed alone: flagged | rejected |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const row = (name, c) => lines.push(`| ${name} | ${c.rows} | ${c.flag} (${pct(c.flag, c.rows - c.error)}) | ${c.reject} (${pct(c.reject, c.rows - c.error)}) | ${c.error} | ${c.offFlag} (${pct(c.offFlag, c.offRows)}) | ${c.offReject} (${pct(c.offReject, c.offRows)}) | ${c.aloneFlag} (${pct(c.aloneFlag, c.offRows)}) | ${c.aloneReject} (${pct(c.aloneReject, c.offRows)}) |`);
  row('(a) held-back generated worlds', s.groups.worlds);
  row('(b) held-out benign accounts\' transactions', s.groups.benign);
  row('(c) held-out fraud accounts\' transactions', s.groups.fraud);
  lines.push(`abstained on (accepted) on the chain: (a) ${s.groups.worlds.abstained}, (b) ${s.groups.benign.abstained}, (c) ${s.groups.fraud.abstained}`);
  if (Object.keys(s.flaggedKinds).length > 0) lines.push(`(a) flagged or rejected by kind: ${JSON.stringify(s.flaggedKinds)}`);
  const f = s.fraudAccounts;
  const o = s.offlineAllRows.fraud;
  lines.push(`(c) per account: ${f.accounts} fraud accounts, ${f.flagged} (${pct(f.flagged, f.accounts)}) with a transaction flagged or rejected, ${f.rejected} (${pct(f.rejected, f.accounts)}) with one rejected; offline (eval) on the same rows ${f.offlineFlagged} (${pct(f.offlineFlagged, f.accounts)}) and ${f.offlineRejected} (${pct(f.offlineRejected, f.accounts)}); offline on all their eval rows (token transfer events too): ${o.accountsFlag} (${pct(o.accountsFlag, o.accounts)}) flagged, ${o.accountsReject} (${pct(o.accountsReject, o.accounts)}) rejected`);
  const b = s.offlineAllRows.benign;
  lines.push(`offline on all eval rows of the sampled accounts: benign ${b.rows} rows, ${b.flag} flagged (${pct(b.flag, b.rows)}), ${b.reject} rejected; fraud ${o.rows} rows, ${o.flag} flagged (${pct(o.flag, o.rows)}), ${o.reject} rejected (${pct(o.reject, o.rows)})`);
  lines.push(`chain score = the plan's expected score (same statistics, routed alone): ${s.expected.matched} of ${s.expected.compared} (not compared: ${s.expected.afterRefusal} sent by or to a party of an earlier refused transaction)`);
  for (const m of s.expected.mismatches) lines.push(`  differs: ${JSON.stringify(m)}`);
  for (const [m, n] of Object.entries(s.errors)) lines.push(`refused for another reason ${n}x: ${m}`);
  return lines.join('\n');
}
