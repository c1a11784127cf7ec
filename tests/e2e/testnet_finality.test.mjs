// Four validators as four real processes: they finalize, survive one crash, stop without a
// quorum rather than fork, and resume with identical hashes once the crashed ones return.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestnet, rpc, sleep, waitFor } from './lib/testnet.mjs';

const net = await createTestnet({ validators: 4 });
after(async () => { await net.shutdown(); });

test('four validators finalize 20 heights with the same hash at every height', async () => {
  await net.startAll();
  await net.waitHeight(20);
  await net.assertSameChain(20);
  const status = await rpc(net.nodes[0].url, 'validator_getStatus');
  assert.equal(status.peers.length, 3, 'node 0 sees the other three');
  const validators = await rpc(net.nodes[0].url, 'validator_getValidators', ['latest']);
  assert.equal(validators.validators.length, 4);
  const commit = await rpc(net.nodes[1].url, 'validator_getCommit', ['0x14']);
  assert.ok(commit.signatures.length >= 3, 'a certificate holds more than 2/3 of the power');
  assert.ok(BigInt(commit.signedPower) * 3n > BigInt(commit.totalPower) * 2n);
});

test('with one validator killed the other three keep finalizing', async () => {
  await net.kill(3);
  const h = await net.height(0);
  await net.waitHeight(h + 5, [0, 1, 2]);
  await net.assertSameChain(h + 5, [0, 1, 2]);
});

test('with two killed finality stops and no node commits alone', async () => {
  await net.kill(2);
  await sleep(1500);  // what was decided before the kill lands
  const stalled = Math.max(await net.height(0), await net.height(1));
  await sleep(6000);
  assert.equal(await net.height(0), stalled, 'node 0 committed without a quorum');
  assert.equal(await net.height(1), stalled, 'node 1 committed without a quorum');
});

test('once both return they sync and the chain resumes with identical hashes', async () => {
  const before = await net.height(0);
  net.start(2);
  net.start(3);
  await net.waitHeight(before + 5, [0, 1, 2, 3], 90_000);
  await net.assertSameChain(before + 5);
  const restarted = net.logOf(3);
  assert.match(restarted, /sync|replaying|committed block/, 'node 3 caught up');
  // Blocks of 500 ms on a genesis that asks for them share seconds (decision 003): after half a
  // minute the chain's time is still the clock's, and no proposal was refused as from the future.
  const head = await rpc(net.nodes[0].url, 'eth_getBlockByNumber', ['latest', false]);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Number(head.timestamp) <= now + 1, `block ${Number(head.number)}'s timestamp is ${Number(head.timestamp) - now} s ahead of the clock`);
  for (const n of net.nodes) {
    assert.doesNotMatch(net.logOf(n.i), /timestamp too far in the future/, `node ${n.i} refused a proposal from the future`);
  }
});
