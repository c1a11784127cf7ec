// A fifth node follows a four-validator testnet, stakes from an ethers.js script, joins the
// validator set at the next epoch, and then signs commits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { TEST_KEYS, connect } from './lib/devnet.mjs';
import { createTestnet, rpc, waitFor } from './lib/testnet.mjs';

const STAKING = '0x0000000000000000000000000000000000001000';
const net = await createTestnet({ validators: 4, followers: 1, genesis: { epoch_length: 10 } });
after(async () => { await net.shutdown(); });

test('a staked fifth validator joins at the next epoch, syncs and signs', async () => {
  await net.startAll();
  await net.waitHeight(3);
  const fifth = net.nodes[4];
  const status = await rpc(fifth.url, 'validator_getStatus');
  assert.equal(status.isValidator, false);
  await net.waitHeight(await net.height(0), [4]);  // it follows

  const key = JSON.parse(readFileSync(join(fifth.home, 'keys', 'validator_key.json'), 'utf8')).private_key;
  const provider = connect(net.nodes[0]);
  const funder = new ethers.Wallet(TEST_KEYS[0], provider);
  const validator = new ethers.Wallet(key.startsWith('0x') ? key : '0x' + key, provider);
  await (await funder.sendTransaction({ to: validator.address, value: ethers.parseEther('1000') })).wait();

  const staking = new ethers.Contract(STAKING, [
    'function stake(bytes validatorPubkey) payable',
    'function stakeOf(address) view returns (uint256)',
  ], validator);
  const pubkey = ethers.SigningKey.computePublicKey(validator.signingKey.publicKey, true);
  const receipt = await (await staking.stake(pubkey, { value: ethers.parseEther('100') })).wait();
  assert.equal(receipt.status, 1);
  assert.equal(await staking.stakeOf(validator.address), ethers.parseEther('100'));

  const inSet = async (i) => (await rpc(net.nodes[i].url, 'validator_getValidators', ['latest'])).validators
    .some((v) => v.address.toLowerCase() === validator.address.toLowerCase());
  await waitFor('the fifth validator in the set', 60_000, () => inSet(0));
  // Every node commits the epoch's last block in its own moment (a follower a little after the
  // validators): each gets until it has.
  for (const n of net.nodes) await waitFor(`node ${n.i} has it in the set`, 30_000, () => inSet(n.i));

  const signs = async () => {
    const commit = await rpc(net.nodes[0].url, 'validator_getCommit', ['latest']);
    return commit?.signatures.some((s) => s.validator.toLowerCase() === validator.address.toLowerCase());
  };
  await waitFor('a commit signed by the fifth validator', 60_000, signs);
  assert.equal((await rpc(fifth.url, 'validator_getStatus')).isValidator, true);
  const h = await net.height(0);
  await net.waitHeight(h, [4]);
  await net.assertSameChain(h);
  provider.destroy();
});
