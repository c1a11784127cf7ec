// A validator killed in the middle of a round replays its WAL on restart and never signs a
// vote that conflicts with one it signed before the crash: no evidence ever names it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestnet, rpc, sleep, waitFor } from './lib/testnet.mjs';

const net = await createTestnet({ validators: 4 });
after(async () => { await net.shutdown(); });

const lower = (a) => a.toLowerCase();

test('a validator killed mid-round and restarted replays its WAL and does not double-sign', async () => {
  await net.startAll();
  await net.waitHeight(3);
  const victim = 1;
  const address = lower((await rpc(net.nodes[victim].url, 'validator_getStatus')).validator);

  // Without a quorum a height cannot end: the two validators left sign their prevotes and
  // wait for more. The victim dies holding a signed vote of a height still undecided.
  await net.kill(2);
  await net.kill(3);
  const stuck = await net.height(victim);
  await waitFor('the victim to prevote in the stuck height', 30_000, async () => {
    const s = await rpc(net.nodes[victim].url, 'validator_getStatus');
    return Number(s.height) === stuck + 1 && s.step !== 'propose' && s.votes.prevotes >= 2;
  });
  await sleep(150);  // somewhere inside a round
  await net.kill(victim);
  net.start(victim);
  await waitFor('the victim to answer', 30_000, () => rpc(net.nodes[victim].url, 'eth_chainId'));
  assert.match(net.logOf(victim), /replaying \d+ WAL records of height \d+ \(\d+ own votes\)/,
    'the restarted validator replayed its WAL');
  assert.doesNotMatch(net.logOf(victim), /refusing to sign/, 'the replay asked for the same votes again');

  // Back to a quorum: the stuck height ends and the chain goes on.
  net.start(2);
  net.start(3);
  await net.waitHeight(stuck + 4, [0, 1, 2, 3], 90_000);

  // Kill it again at a few other instants, wherever the height happens to be.
  for (const delay of [120, 370]) {
    await sleep(delay);
    await net.kill(victim);
    net.start(victim);
    const h = await net.height(0);
    await net.waitHeight(h + 2, [0, 1, 2, 3], 60_000);
  }

  const h = await net.height(0);
  await net.assertSameChain(h);
  for (const n of net.nodes) {
    const ev = await rpc(n.url, 'validator_getEvidence', ['0x1', 'latest']);
    const against = [...ev.committed, ...ev.pending].filter((e) => lower(e.validator) === address);
    assert.deepEqual(against, [], `node ${n.i} holds evidence against the restarted validator`);
  }
  // It signs commits again.
  await waitFor('a commit signed by the restarted validator', 30_000, async () =>
    (await rpc(net.nodes[0].url, 'validator_getCommit', ['latest'])).signatures.some((s) => lower(s.validator) === address));
});
