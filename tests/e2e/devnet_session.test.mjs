// A developer's session on a fresh `moed devnet` and on Anvil in one run (lib/session.mjs: 30
// dependent transactions through ethers' default provider, each sent after the previous
// receipt): both must leave the right receipts and state, and on moed every tx.wait() must
// have its receipt at its first poll (instant blocks, decision 007). The wall times and their
// ratio are printed, never asserted; bench/devnet_session.sh reports them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevnet, shutdown, TEST_KEYS } from './lib/devnet.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { runSession } from './lib/session.mjs';

let devnet;
let anvil;

before(async () => {
  devnet = await startDevnet();
  anvil = await startAnvil();
});

after(async () => {
  await anvil?.stop();
  await shutdown(devnet);
});

async function blockNumber(url) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  });
  return Number((await res.json()).result);
}

test('30 dependent transactions leave the same state on moed and on Anvil; moed answers every first receipt poll', async (t) => {
  const moed = await runSession(devnet.url, TEST_KEYS[0], TEST_KEYS[1]);
  const peer = await runSession(anvil.url, TEST_KEYS[0], TEST_KEYS[1]);
  t.diagnostic(`moed ${(moed.ms / 1000).toFixed(3)} s in ${moed.blocks} blocks, anvil ${(peer.ms / 1000).toFixed(3)} s in ${peer.blocks} blocks: ${(moed.ms / peer.ms).toFixed(2)}x`);
  assert.equal(moed.receiptMisses, 0, `${moed.receiptMisses} of ${moed.receiptPolls} receipt polls answered null`);
  assert.equal(moed.receiptPolls, 30);
});

test('an idle devnet still makes empty blocks at its interval (1 s)', async () => {
  const start = await blockNumber(devnet.url);
  await new Promise((r) => setTimeout(r, 3_500));
  assert.ok(await blockNumber(devnet.url) >= start + 2, 'fewer than two empty blocks in 3.5 s');
});
