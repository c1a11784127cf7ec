// A validator built to sign wrong verdicts (moed start --byzantine-wrong-verdicts, tests only)
// is caught by the validators that recompute its precommits' verdicts with the protocol model:
// the wrong-verdict evidence is gossiped, a block includes it on every node, and the staking
// contract slashes and jails the signer like a double sign (issue 8, decision 004).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { TEST_KEYS, connect } from './lib/devnet.mjs';
import { fundedValidators, registerExperts, twoHostsEach, waitForCommittees } from './lib/routing.mjs';
import { createTestnet, rpc, waitFor } from './lib/testnet.mjs';

const net = await createTestnet({
  validators: 5,
  genesis: {
    epoch_length: 10,
    routing: { min_committee_size: 1, top_k: 2, failover_heights: 3, quorum_bps: 5000, sample_percent: 100 },
  },
});
after(async () => { await net.shutdown(); });

test('a validator signing wrong verdicts is caught by recomputation, slashed and jailed', async () => {
  await net.startAll();
  await net.waitHeight(2);
  let providers = net.nodes.map((n) => connect(n));
  const validators = await fundedValidators(net, providers);
  await registerExperts(validators, twoHostsEach);
  await waitForCommittees(net.nodes, validators, twoHostsEach);

  // The gate's first choice for a transfer from an account with no history (its row, so its
  // ranking, does not depend on the height) decides who turns byzantine: a host of it.
  const wallet = new ethers.Wallet(TEST_KEYS[3], providers[0]);
  const probe = await wallet.signTransaction(await wallet.populateTransaction({ to: ethers.Wallet.createRandom().address, value: 1n }));
  const top = (await rpc(net.nodes[0].url, 'moe_scoreTransaction', [probe])).experts[0].expert;
  const byz = [...Array(5).keys()].find((i) => twoHostsEach(i).includes(top));
  const address = validators[byz].address.toLowerCase();
  const honest = net.nodes.filter((n) => n.i !== byz);
  const candidate = async (i) => (await rpc(net.nodes[i].url, 'validator_getValidators', ['latest'])).candidates
    .find((c) => c.address.toLowerCase() === address);
  const before = await candidate(honest[0].i);
  assert.ok(before && !before.jailed);

  for (const p of providers) p.destroy();
  await net.stop(byz);
  net.start(byz, ['--byzantine-wrong-verdicts']);
  await waitFor(`node ${byz} to answer`, 30_000, () => rpc(net.nodes[byz].url, 'eth_chainId'));
  await net.waitHeight(await net.height(honest[0].i), [byz]);
  providers = net.nodes.map((n) => connect(n));

  // Such transfers, each from a fresh account, are routed to the byzantine validator's expert.
  const sent = [];
  for (const key of TEST_KEYS.slice(3, 7)) {
    const from = new ethers.Wallet(key, providers[honest[0].i]);
    sent.push((await from.sendTransaction({ to: ethers.Wallet.createRandom().address, value: ethers.parseEther('0.1') })).hash);
  }
  for (const h of sent) assert.equal((await providers[honest[0].i].waitForTransaction(h, 1, 90_000)).status, 1);

  const evidenceIn = async (i) => (await rpc(net.nodes[i].url, 'validator_getEvidence', ['0x1', 'latest'])).committed
    .find((e) => e.kind === 'wrong-verdict' && e.validator.toLowerCase() === address);
  const ev = await waitFor('wrong-verdict evidence in a block', 90_000, () => evidenceIn(honest[0].i));
  assert.notEqual(ev.signedScore, ev.recomputedScore, 'the signed score is not the model\'s');
  assert.equal(Math.abs(ev.signedScore - ev.recomputedScore), 5000, 'off by what the byzantine option adds');
  assert.ok(twoHostsEach(byz).includes(ev.expert), 'the verdict was given for an expert it hosts');
  assert.equal(ev.precommit.type, 'precommit');
  assert.equal(ev.precommit.validator.toLowerCase(), address);
  const routing = await rpc(net.nodes[honest[0].i].url, 'moe_getRouting', [ev.txHash]);
  assert.ok(routing, 'the transaction of the wrong verdict was routed and included');

  // Every node, the byzantine one too, holds the same evidence in the same block.
  await net.waitHeight(Number(ev.blockNumber));
  for (const n of net.nodes) {
    const e = await evidenceIn(n.i);
    assert.equal(e?.hash, ev.hash, `node ${n.i} holds the evidence`);
    assert.equal(e.blockNumber, ev.blockNumber, `node ${n.i}: same block`);
  }
  // Only the byzantine validator was accused.
  const all = (await rpc(net.nodes[honest[1].i].url, 'validator_getEvidence', ['0x1', 'latest'])).committed;
  assert.ok(all.every((e) => e.validator.toLowerCase() === address), 'no honest validator was accused');

  const afterRecord = await candidate(honest[1].i);
  assert.equal(afterRecord.jailed, true, 'jailed');
  assert.ok(BigInt(afterRecord.stake) < BigInt(before.stake), 'the stake was slashed');

  // At the next epoch it leaves the set, and the chain goes on without it.
  await waitFor('the jailed validator to leave the set', 60_000, async () =>
    (await rpc(net.nodes[honest[0].i].url, 'validator_getValidators', ['latest'])).validators
      .every((v) => v.address.toLowerCase() !== address));
  const h = await net.height(honest[0].i);
  await net.waitHeight(h + 2, honest.map((n) => n.i));
  await net.assertSameChain(h + 2, honest.map((n) => n.i));
  for (const p of providers) p.destroy();
});
