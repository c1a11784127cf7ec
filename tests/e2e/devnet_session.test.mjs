// A developer's session on a fresh `moed devnet` and on Anvil in one run (lib/session.mjs: 30
// dependent transactions through ethers' default provider, each sent after the previous
// receipt): both must leave the right receipts and state, and on moed every tx.wait() must
// have its receipt at its first poll (instant blocks, decision 007). The wall times and their
// ratio are printed, never asserted; bench/devnet_session.sh reports them. Then one account
// sends 2,000 transactions back to back without waiting (the devnet's pool takes 4096 per
// sender): all accepted, all committed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
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

async function rpc(url, method, params) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

test('one account sends 2000 transactions back to back: all accepted, all committed', async () => {
  const provider = new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const wallet = new ethers.Wallet(TEST_KEYS[2], provider);
    const to = ethers.getAddress(ethers.zeroPadValue('0xb0a710ad', 20));
    const first = await provider.getTransactionCount(wallet.address, 'latest');
    const balanceBefore = await provider.getBalance(to);
    const count = 2000;
    const raws = [];
    for (let i = 0; i < count; ++i) {
      raws.push(await wallet.signTransaction({
        type: 2, chainId: 4224n, nonce: first + i, to, value: 1n + BigInt(i), gasLimit: 21000n,
        maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'),
      }));
    }
    // Back to back: each send right after the previous answer, none waiting for a block.
    const hashes = [];
    for (const raw of raws) {
      const r = await rpc(devnet.url, 'eth_sendRawTransaction', [raw]);
      assert.equal(r.error, undefined, `send ${hashes.length} refused: ${JSON.stringify(r.error)}`);
      hashes.push(r.result);
    }
    assert.equal(new Set(hashes).size, count);
    // All committed: the sender's committed nonce reaches first + count.
    const deadline = Date.now() + 60_000;
    while (await provider.getTransactionCount(wallet.address, 'latest') < first + count) {
      assert.ok(Date.now() < deadline, 'not all 2000 committed within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const receipts = [];
    for (let i = 0; i < count; i += 200) {
      const batch = hashes.slice(i, i + 200).map((h, j) => ({ jsonrpc: '2.0', id: i + j, method: 'eth_getTransactionReceipt', params: [h] }));
      const res = await fetch(devnet.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      receipts.push(...(await res.json()).sort((a, b) => a.id - b.id).map((r) => r.result));
    }
    receipts.forEach((r, i) => {
      assert.ok(r, `no receipt for transaction ${i}`);
      assert.equal(r.status, '0x1', `transaction ${i} failed`);
    });
    const blocks = new Set(receipts.map((r) => r.blockNumber));
    assert.ok(blocks.size < count, 'every transaction in a block of its own: nothing was batched');
    assert.equal(await provider.getBalance(to) - balanceBefore, BigInt(count) + BigInt(count * (count - 1) / 2));
  } finally {
    provider.destroy();
  }
});
