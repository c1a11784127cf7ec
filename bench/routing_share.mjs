// The ethers steps of bench/testnet_routing_share.sh (issue 8, decision 004), on a running
// localnet whose homes are in DIR and whose node I answers JSON-RPC on http://127.0.0.1:RPC_BASE+I:
//
//   node bench/routing_share.mjs calls DIR RPC_BASE COUNT   deploys a counter, calls it COUNT times
//   node bench/routing_share.mjs report DIR RPC_BASE FROM   shares of the routed transactions of
//                                                           blocks FROM..head, as JSON
//
// The experts are seated by `moed testnet` (its genesis): expert e on validators 2e and 2e + 1
// (mod N), so each validator hosts about 16/N of the fraud model's 8 experts.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ethers } = createRequire(join(repo, 'tests', 'e2e', 'package.json'))('ethers');

// An account of "test test ... junk" funded by the localnet genesis: moed load sends from the
// first ones, the calls from the last one, so that their nonces never collide.
const CALLER_KEY = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';
// A counter: runtime `slot0 += 1` (PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP), behind an
// init code that returns it.
const COUNTER_INIT = '0x600a600c600039600a6000f3' + '60005460010160005500';

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const url = (base, i) => `http://127.0.0.1:${Number(base) + i}`;
const provider = (u) => new ethers.JsonRpcProvider(u, undefined, { staticNetwork: true, pollingInterval: 250 });
const validatorKey = (dir, i) => {
  const k = JSON.parse(readFileSync(join(dir, `node${i}`, 'keys', 'validator_key.json'), 'utf8'));
  return { address: k.address.toLowerCase(), key: k.private_key.startsWith('0x') ? k.private_key : '0x' + k.private_key };
};

async function calls(dir, base, count) {
  const n = Number(count);
  const providers = [0, 1].map((i) => provider(url(base, i)));
  const caller = new ethers.NonceManager(new ethers.Wallet(CALLER_KEY, providers[0]));
  const deploy = await caller.sendTransaction({ data: COUNTER_INIT, gasLimit: 100_000 });
  const deployed = await deploy.wait(1, 60_000);
  if (deployed.status !== 1) throw new Error('the counter deployment reverted');
  const sent = [];
  for (let k = 0; k < n; ++k) sent.push(await caller.sendTransaction({ to: deployed.contractAddress, gasLimit: 60_000 }));
  for (const t of sent) {
    const r = await t.wait(1, 90_000);
    if (r.status !== 1) throw new Error(`call ${t.hash} reverted`);
  }
  console.log(`1 deployment and ${n} calls of ${deployed.contractAddress} included`);
  for (const p of providers) p.destroy();
}

// Per validator: duties (routed transactions for which it sits in the committee of a planned
// expert, so it computed a verdict) and answers (those where the block counted its verdict).
async function report(dir, base, from) {
  const u = url(base, 0);
  const head = Number(await rpc(u, 'eth_blockNumber'));
  const names = new Map();
  for (let i = 0; ; ++i) {
    try { names.set(validatorKey(dir, i).address, i); } catch { break; }
  }
  const n = names.size;
  const duties = Array(n).fill(0);
  const answers = Array(n).fill(0);
  const types = {};
  let transactions = 0;
  let routed = 0;
  let failovers = 0;
  const unrouted = {};
  const unroutedBlocks = new Set();
  for (let h = Number(from); h <= head; ++h) {
    const block = await rpc(u, 'eth_getBlockByNumber', ['0x' + h.toString(16), true]);
    for (const t of block.transactions) {
      ++transactions;
      const r = await rpc(u, 'moe_getRouting', [t.hash]);
      if (!r || r.verdicts.length === 0) {
        const kind = t.to === null ? 'deployment' : t.input === '0x' ? 'transfer' : 'call';
        unrouted[kind] = (unrouted[kind] ?? 0) + 1;
        unroutedBlocks.add(h);
        continue;
      }
      ++routed;
      if (r.failover > 0) ++failovers;
      const key = r.verdicts.map((v) => v.expert).sort((a, b) => a - b).join('+');
      types[key] = (types[key] ?? 0) + 1;
      const seated = new Set();
      const answered = new Set();
      for (const v of r.verdicts) {
        const ranked = r.ranking.find((x) => x.expert === v.expert);
        for (const m of ranked ? ranked.committee : []) seated.add(names.get(m.address.toLowerCase()));
        for (const a of v.answered) answered.add(names.get(a.toLowerCase()));
      }
      for (const i of seated) if (i !== undefined) ++duties[i];
      for (const i of answered) if (i !== undefined) ++answers[i];
    }
  }
  const share = (xs) => xs.map((x) => (routed ? (100 * x) / routed : 0));
  console.log(JSON.stringify({ validators: n, from: Number(from), head, transactions, routed, unrouted, unroutedBlocks: [...unroutedBlocks], failovers, plannedExperts: types,
    dutyShare: share(duties), answerShare: share(answers) }));
}

const [cmd, ...args] = process.argv.slice(2);
const commands = { calls, report };
if (!commands[cmd] || args.length !== 3) {
  console.error('usage: node bench/routing_share.mjs calls|report DIR RPC_BASE COUNT|FROM');
  process.exit(2);
}
try {
  await commands[cmd](...args);
} catch (e) {
  console.error(`routing_share ${cmd}: ${e.message}`);
  process.exit(1);
}
