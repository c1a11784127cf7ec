// Five validators host experts of the fraud model from genesis, then re-seat them
// (registerExperts): committees form at the next epoch, and transactions of each type reach
// blocks with the verdicts of the committees the gate chose (issues 8 and 13, decision 004):
// moe_getRouting shows them and every node agrees.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { TEST_KEYS, connect } from './lib/devnet.mjs';
import { EXPERTS, STAKING, fundedValidators, registerExperts, twoHostsEach, waitForCommittees } from './lib/routing.mjs';
import { compileSolidity } from './lib/solidity.mjs';
import { createTestnet, rpc, waitFor } from './lib/testnet.mjs';

const TOP_K = 2;
const net = await createTestnet({
  validators: 5,
  // No capacity: these tests check the gate's own top-k and failover (the capacity plan is the
  // unit tests' and bench/testnet_routing_share.sh's).
  genesis: { epoch_length: 10, routing: { min_committee_size: 1, top_k: TOP_K, capacity_percent: 0, failover_heights: 3, quorum_bps: 5000 } },
});
after(async () => { await net.shutdown(); });

const COIN = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract Coin {
    mapping(address => uint256) public balanceOf;
    uint256 public pokes;
    event Transfer(address indexed from, address indexed to, uint256 value);
    constructor() { balanceOf[msg.sender] = 1e24; }
    function transfer(address to, uint256 v) external returns (bool) {
        require(balanceOf[msg.sender] >= v, "balance");
        balanceOf[msg.sender] -= v; balanceOf[to] += v; emit Transfer(msg.sender, to, v); return true;
    }
    function poke(uint256 n) external { pokes += n; }
}`;

const hostedBy = twoHostsEach;
// In the failover test, one host each: expert e on validator e % 5.
const soleHostOf = (e) => e % 5;
const soleHosts = (i) => [...Array(EXPERTS).keys()].filter((e) => soleHostOf(e) === i);

let validators;
let providers;

test('transactions of each type carry the verdicts of the committees the gate chose', async () => {
  await net.startAll();
  await net.waitHeight(2);
  providers = net.nodes.map((n) => connect(n));

  // Routing works from genesis: `moed testnet` seats every expert on two validators.
  const before = await rpc(net.nodes[0].url, 'moe_getExperts');
  assert.equal(before.experts.length, EXPERTS);
  assert.ok(before.experts.every((e) => e.served && e.committee.length === 2), JSON.stringify(before.experts.map((e) => e.committee.length)));

  validators = await fundedValidators(net, providers);
  await registerExperts(validators, hostedBy);

  // At the next epoch (both of a registration straddling one) every expert is served by the
  // committee its hosts make, on every node.
  await waitForCommittees(net.nodes, validators, hostedBy);
  const committees = (await rpc(net.nodes[0].url, 'moe_getExperts')).experts.map((e) => e.committee);
  for (let e = 0; e < EXPERTS; ++e) assert.equal(committees[e].length, 2, `expert ${e} has two hosts`);

  // One transaction of each type, sent to different nodes.
  const { contracts } = compileSolidity({ 'Coin.sol': COIN });
  const deployer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[1], providers[1]));
  const coin = await new ethers.ContractFactory(contracts.Coin.abi, contracts.Coin.bytecode, deployer).deploy();
  const sent = { deployment: coin.deploymentTransaction().hash };
  await coin.waitForDeployment();
  const user = new ethers.Wallet(TEST_KEYS[2], providers[2]);
  sent.transfer = (await user.sendTransaction({ to: ethers.Wallet.createRandom().address, value: ethers.parseEther('1') })).hash;
  sent.contractCall = (await coin.connect(deployer).poke(7)).hash;
  sent.tokenTransfer = (await coin.connect(deployer).transfer(user.address, 1000n)).hash;
  for (const h of Object.values(sent)) {
    const receipt = await providers[0].waitForTransaction(h, 1, 90_000);
    assert.equal(receipt.status, 1, `transaction ${h} succeeded`);
  }
  const head = await net.height(0);
  await net.waitHeight(head);
  await net.assertSameChain(head);

  for (const [type, h] of Object.entries(sent)) {
    const routings = await Promise.all(net.nodes.map((n) => rpc(n.url, 'moe_getRouting', [h])));
    const r = routings[0];
    assert.ok(r, `${type} ${h} was routed`);
    for (const other of routings) assert.deepEqual(other, r, `nodes disagree on the routing of ${type}`);
    const verdict = await rpc(net.nodes[0].url, 'moe_getTransactionVerdict', [h]);
    assert.equal(verdict.type, type);

    // The ranking is the fraud gate's over every served expert, on the row the committees
    // answered (the parties' statistics two blocks back, decision 004), so it may differ from
    // the experts screening combined on the row inside the block.
    assert.equal(r.ranking.length, EXPERTS);
    assert.equal(new Set(r.ranking.map((x) => x.expert)).size, EXPERTS, `${type}: each expert ranked once`);
    assert.equal(verdict.experts.length, TOP_K, `${type}: screening combined top_k experts`);
    // The block carries a verdict of each expert the plan chose, from that expert's committee.
    const planned = r.ranking.slice(r.failover, r.failover + TOP_K).map((x) => x.expert);
    assert.deepEqual(r.verdicts.map((v) => v.expert).sort(), [...planned].sort(), `${type}: verdicts of the planned experts`);
    for (const v of r.verdicts) {
      const committee = r.ranking.find((x) => x.expert === v.expert).committee.map((m) => m.address);
      assert.ok(v.answered.length > 0);
      for (const a of v.answered) assert.ok(committee.includes(a), `${type}: ${a} answered for expert ${v.expert} outside its committee`);
      assert.ok(v.score >= 0 && v.score <= 10000);
    }
    if (type === 'contractCall' || type === 'tokenTransfer') {
      const cls = await rpc(net.nodes[0].url, 'moe_getContractClass', [await coin.getAddress()]);
      const ids = ['erc20', 'erc721', 'proxy', 'wallet', 'ponzi', 'other', 'erc1155', 'dex', 'factory'];
      for (const v of r.verdicts) assert.equal(v.contractClass, ids.indexOf(cls.class), `${type}: the recipient's class`);
    } else {
      for (const v of r.verdicts) assert.equal(v.contractClass, null, `${type}: no contract recipient`);
    }
  }

  // Every node counted the committees' work.
  for (const n of net.nodes) {
    const experts = (await rpc(n.url, 'moe_getExperts')).experts;
    const total = experts.reduce((s, e) => s + e.verdicts, 0);
    // Every member runs the same integer model: every counted answer agrees with the aggregate.
    for (const e of experts) assert.equal(e.agreeing, e.answers, `node ${n.i}: expert ${e.expert}'s answers agree`);
    assert.ok(total >= Object.keys(sent).length * TOP_K, `node ${n.i} counted the verdicts`);
    // Every transaction was gossiped into every pool, so every node timed its verdicts.
    for (const e of experts.filter((x) => x.verdicts > 0)) {
      assert.ok(e.latencyMs.count > 0 && e.latencyMs.mean > 0 && e.latencyMs.max >= e.latencyMs.mean,
        `node ${n.i}: expert ${e.expert}'s latency ${JSON.stringify(e.latencyMs)}`);
    }
    // The same counters as Prometheus metrics.
    const metrics = await (await fetch(`${n.url}/metrics`)).text();
    const exported = [...metrics.matchAll(/^moe_expert_verdicts_total\{expert="(\d+)"\} (\d+)$/gm)];
    // (a block may commit between the two reads: never fewer)
    assert.ok(exported.reduce((s, m) => s + Number(m[2]), 0) >= total, `node ${n.i}: metrics match moe_getExperts`);
  }
});

test('a silent committee fails over to the next-ranked expert and its missed duties show', async () => {
  // Re-register: every expert gets a single host, so killing it silences the committee.
  const abi = ['function registerExperts(uint32[] ids)'];
  await Promise.all(validators.map(async (v, i) => {
    assert.equal((await (await new ethers.Contract(STAKING, abi, v).registerExperts(soleHosts(i))).wait()).status, 1);
  }));
  for (const n of net.nodes) {
    await waitFor(`node ${n.i} to have single-host committees`, 90_000, async () =>
      (await rpc(n.url, 'moe_getExperts')).experts.every((x) => x.served && x.committee.length === 1 &&
        x.committee[0].address.toLowerCase() === validators[soleHostOf(x.expert)].address.toLowerCase()));
  }

  // A transfer from an account with no history: its row, so its ranking, does not depend on
  // the height it lands at. The gate's first choice decides whom to kill.
  const sender = new ethers.Wallet(TEST_KEYS[3], providers[0]);
  const request = await sender.populateTransaction({ to: ethers.Wallet.createRandom().address, value: ethers.parseEther('2') });
  const raw = await sender.signTransaction(request);
  const scored = await rpc(net.nodes[0].url, 'moe_scoreTransaction', [raw]);
  const top = scored.experts[0].expert;
  const victim = soleHostOf(top);
  const victimAddress = validators[victim].address.toLowerCase();
  const alive = net.nodes.filter((n) => n.i !== victim);
  const countsOf = async (n) => {
    const expert = (await rpc(n.url, 'moe_getExperts')).experts[top];
    const missed = Object.entries(expert.missed).find(([a]) => a.toLowerCase() === victimAddress);
    return { failedOver: expert.failedOver, missed: missed ? missed[1] : 0 };
  };
  const countsBefore = await Promise.all(alive.map(countsOf));
  await net.kill(victim);
  const hash = await rpc(alive[0].url, 'eth_sendRawTransaction', [raw]);
  const receipt = await waitFor('the transfer to finalize', 120_000, () => rpc(alive[0].url, 'eth_getTransactionReceipt', [hash]));
  assert.equal(receipt.status, '0x1');
  const block = Number(receipt.blockNumber);
  await net.waitHeight(block, alive.map((n) => n.i));

  const routings = await Promise.all(alive.map((n) => rpc(n.url, 'moe_getRouting', [hash])));
  const r = routings[0];
  for (const other of routings) assert.deepEqual(other, r, 'nodes disagree on the routing');
  assert.equal(r.ranking[0].expert, top, 'the ranking is the one scored before');
  assert.ok(r.failover >= 1, `the transaction failed over (failover ${r.failover})`);
  assert.ok(r.verdicts.every((v) => v.expert !== top), 'no verdict of the silent expert');
  const planned = r.ranking.slice(r.failover, r.failover + TOP_K).map((x) => x.expert);
  assert.deepEqual(r.verdicts.map((v) => v.expert).sort(), [...planned].sort());
  for (const v of r.verdicts) assert.ok(!v.answered.map((a) => a.toLowerCase()).includes(victimAddress));

  // The silent validator's missed duties, counted alike by every node that saw the block.
  const countsAfter = await Promise.all(alive.map(countsOf));
  for (let j = 0; j < alive.length; ++j) {
    assert.ok(countsAfter[j].failedOver > countsBefore[j].failedOver, `node ${alive[j].i}: expert ${top} was failed over`);
    assert.ok(countsAfter[j].missed > countsBefore[j].missed, `node ${alive[j].i}: the killed validator's missed duties show`);
  }

  // Back up, the killed validator syncs the routed blocks (each checked against its own
  // rankings and the certificates' extensions) and reports the same routing.
  net.start(victim);
  const head = await net.height(alive[0].i);
  await net.waitHeight(head, [victim], 120_000);
  await net.assertSameChain(head);
  assert.deepEqual(await rpc(net.nodes[victim].url, 'moe_getRouting', [hash]), r);
  for (const p of providers) p.destroy();
});
