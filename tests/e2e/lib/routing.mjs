// Helpers of the expert-routing testnets (decision 004): validators as wallets, registering
// the experts they host, and waiting for the committees that registration makes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { TEST_KEYS } from './devnet.mjs';
import { rpc, waitFor } from './testnet.mjs';

export const STAKING = '0x0000000000000000000000000000000000001000';
export const EXPERTS = 8;  // of chain-config/models/fraud.moe
const STAKING_ABI = ['function registerExperts(uint32[] ids)', 'function expertsOf(address) view returns (uint32[])'];

/// Validator i hosts expert e when e % 5 == i or (e + 1) % 5 == i: two hosts per expert.
export const twoHostsEach = (i) => [...Array(EXPERTS).keys()].filter((e) => e % 5 === i || (e + 1) % 5 === i);

/// Each node's validator key as a wallet on `providers[i]`, funded with 10 ETH from TEST_KEYS[0].
export async function fundedValidators(net, providers) {
  const funder = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[0], providers[0]));
  const validators = net.nodes.map((n, i) => {
    const key = JSON.parse(readFileSync(join(n.home, 'keys', 'validator_key.json'), 'utf8')).private_key;
    return new ethers.Wallet(key.startsWith('0x') ? key : '0x' + key, providers[i]);
  });
  for (const v of validators) await (await funder.sendTransaction({ to: v.address, value: ethers.parseEther('10') })).wait();
  return validators;
}

/// Each validator i registers hosts(i) through the staking contract, and the contract says so.
export async function registerExperts(validators, hosts) {
  await Promise.all(validators.map(async (v, i) => {
    const staking = new ethers.Contract(STAKING, STAKING_ABI, v);
    const receipt = await (await staking.registerExperts(hosts(i))).wait();
    assert.equal(receipt.status, 1);
    assert.deepEqual((await staking.expertsOf(v.address)).map(Number), hosts(i));
  }));
}

/// Waits until every node in `nodes` serves every expert with the committee `hosts` makes.
export async function waitForCommittees(nodes, validators, hosts, ms = 90_000) {
  const hostsOf = (e) => validators.filter((_, i) => hosts(i).includes(e)).map((v) => v.address.toLowerCase()).sort();
  for (const n of nodes) {
    await waitFor(`node ${n.i} to serve every expert with its registered hosts`, ms, async () =>
      (await rpc(n.url, 'moe_getExperts')).experts.every((x) => x.served &&
        JSON.stringify(x.committee.map((m) => m.address.toLowerCase()).sort()) === JSON.stringify(hostsOf(x.expert))));
  }
}
