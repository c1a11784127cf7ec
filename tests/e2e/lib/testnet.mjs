// A local testnet of real `moed` processes for a test: `moed testnet` writes the homes, each
// node runs as its own process on 127.0.0.1, and the helpers below kill, restart and query them.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOED } from './devnet.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/// A base port with `count` free ports after it, picked at random so that tests running side
/// by side do not collide.
export async function freeRange(count) {
  for (let attempt = 0; attempt < 200; ++attempt) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let i = 0; i < count && ok; ++i) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error('no free port range');
}

export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/// Polls `probe` until it returns a truthy value or `ms` pass; returns that value or throws
/// with `what`.
export async function waitFor(what, ms, probe, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(every);
  }
}

/// Creates a testnet of `validators` homes (plus `followers` homes that share the genesis but
/// do not validate), with genesis fields overridden by `genesis`, and returns its controller.
/// The genesis asks for `blockIntervalMs` blocks: a chain of sub-second blocks may put two in
/// one timestamp's second (decision 003), where one whose genesis says 1 s runs ahead of the
/// clock at 500 ms and, 15 s ahead, has every round-0 proposal refused.
export async function createTestnet({ validators = 4, followers = 0, genesis = {}, blockIntervalMs = 500, extraArgs = [] } = {}) {
  const total = validators + followers;
  const dir = mkdtempSync(join(tmpdir(), 'moed-testnet-'));
  const out = join(dir, 'net');
  const rpcBase = await freeRange(total);
  const p2pBase = await freeRange(total);
  execFileSync(MOED, ['testnet', '--validators', String(validators), '--non-validators', String(followers), '--out', out,
    '--rpc-base', String(rpcBase), '--p2p-base', String(p2pBase), '--block-interval-ms', String(blockIntervalMs)], { stdio: 'pipe' });
  const homes = [...Array(total).keys()].map((i) => join(out, `node${i}`));
  if (Object.keys(genesis).length) {
    const doc = JSON.parse(readFileSync(join(homes[0], 'genesis.json'), 'utf8'));
    Object.assign(doc, genesis);
    for (const h of homes) writeFileSync(join(h, 'genesis.json'), JSON.stringify(doc, null, 2));
  }
  const nodes = homes.map((home, i) => ({
    i, home, url: `http://127.0.0.1:${rpcBase + i}`, wsUrl: `ws://127.0.0.1:${rpcBase + i}`, p2pPort: p2pBase + i,
    child: null, exited: null, log: join(home, 'moed.log'),
  }));

  const net = {
    dir, nodes,
    /// Starts node `i`, with `args` after the testnet's own (e.g. a test-only option).
    start(i, args = []) {
      const n = nodes[i];
      assert.equal(n.child, null, `node ${i} already runs`);
      const child = spawn(MOED, ['start', '--home', n.home, ...extraArgs, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d) => appendFileSync(n.log, d));
      child.stderr.on('data', (d) => appendFileSync(n.log, d));
      n.exited = null;
      child.on('exit', (code, signal) => { n.exited = { code, signal }; n.child = null; });
      n.child = child;
    },
    async startAll() {
      for (let i = 0; i < total; ++i) net.start(i);
      for (const n of nodes) await waitFor(`node ${n.i} to answer`, 30_000, () => rpc(n.url, 'eth_chainId'));
    },
    /// SIGKILL: no chance to close anything.
    async kill(i) {
      const n = nodes[i];
      if (!n.child) return;
      const done = new Promise((r) => n.child.once('exit', r));
      n.child.kill('SIGKILL');
      await done;
    },
    /// SIGTERM, then SIGKILL after 10 s; returns how it ended.
    async stop(i) {
      const n = nodes[i];
      if (!n.child) return n.exited;
      const child = n.child;
      const done = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const how = await done;
      clearTimeout(timer);
      return how;
    },
    height: async (i) => Number(await rpc(nodes[i].url, 'eth_blockNumber')),
    hashAt: async (i, h) => (await rpc(nodes[i].url, 'eth_getBlockByNumber', ['0x' + h.toString(16), false]))?.hash,
    /// Waits until every node in `which` reaches `height`.
    async waitHeight(height, which = nodes.map((n) => n.i), ms = 60_000) {
      for (const i of which) {
        await waitFor(`node ${i} to reach height ${height}`, ms, async () => (await net.height(i)) >= height);
      }
    },
    /// Asserts that every node in `which` has the same block hash at every height 1..upTo.
    async assertSameChain(upTo, which = nodes.map((n) => n.i)) {
      for (let h = 1; h <= upTo; ++h) {
        const hashes = await Promise.all(which.map((i) => net.hashAt(i, h)));
        for (const x of hashes) assert.equal(x, hashes[0], `height ${h}: nodes ${which} disagree: ${hashes}`);
        assert.ok(hashes[0], `height ${h} missing`);
      }
    },
    logOf: (i) => { try { return readFileSync(nodes[i].log, 'utf8'); } catch { return ''; } },
    /// Stops every node, prints the logs with MOE_E2E_LOG=1, removes the folder.
    async shutdown() {
      const results = [];
      for (const n of nodes) results.push(await net.stop(n.i));
      if (process.env.MOE_E2E_LOG) for (const n of nodes) console.error(`---- node ${n.i}\n${net.logOf(n.i)}`);
      rmSync(dir, { recursive: true, force: true });
      return results;
    },
  };
  return net;
}
