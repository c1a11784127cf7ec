// The staking system contract from ethers, as a validator operator would use it: stake with
// the validator key, read it back, register experts, unstake, and find the stake again after
// a restart (its state is contract storage in the state trie).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { startDevnet, TEST_KEYS } from './lib/devnet.mjs';

const STAKING = '0x0000000000000000000000000000000000001000';
const ABI = [
  'event Staked(address indexed validator, bytes pubkey, uint256 amount)',
  'event Unstaked(address indexed validator, uint256 amount, uint256 releaseBlock)',
  'event ExpertsRegistered(address indexed validator, uint32[] expertIds)',
  'function stake(bytes validatorPubkey) payable',
  'function unstake(uint256 amount)',
  'function withdraw()',
  'function registerExperts(uint32[] expertIds)',
  'function stakeOf(address validator) view returns (uint256)',
  'function validators() view returns (address[])',
  'function pubkeyOf(address validator) view returns (bytes)',
  'function expertsOf(address validator) view returns (uint32[])',
  'function unbondingOf(address validator) view returns (uint256 amount, uint256 releaseBlock)',
];

let devnet;
let provider;
let wallet;
let staking;

function connect() {
  provider = new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, pollingInterval: 200 });
  wallet = new ethers.Wallet(TEST_KEYS[2], provider);
  staking = new ethers.Contract(STAKING, ABI, wallet);
}

before(async () => {
  devnet = await startDevnet();
  connect();
});

after(async () => {
  provider?.destroy();
  await devnet?.stop();
  devnet?.remove();
});

test('the staking contract has code, so tools see a contract there', async () => {
  assert.equal(await provider.getCode(STAKING), '0xfe');
});

test('a stake with the validator key is read back with its key and event', async () => {
  const key = new ethers.SigningKey(TEST_KEYS[2]).compressedPublicKey;
  const contractBefore = await provider.getBalance(STAKING);
  const receipt = await (await staking.stake(key, { value: ethers.parseEther('100') })).wait(1, 30_000);
  assert.equal(receipt.status, 1);
  const staked = receipt.logs.map((l) => staking.interface.parseLog(l)).find((e) => e?.name === 'Staked');
  assert.equal(staked.args.validator, wallet.address);
  assert.equal(staked.args.pubkey, key);
  assert.equal(staked.args.amount, ethers.parseEther('100'));

  assert.equal(await staking.stakeOf(wallet.address), ethers.parseEther('100'));
  assert.ok((await staking.validators()).includes(wallet.address));
  assert.equal(await staking.pubkeyOf(wallet.address), key);
  assert.equal(await provider.getBalance(STAKING), contractBefore + ethers.parseEther('100'));
});

test('bad stakes revert with their reasons and change nothing', async () => {
  const shortKey = ethers.hexlify(ethers.randomBytes(32));
  await assert.rejects(staking.stake.staticCall(shortKey, { value: 1n }), (e) => {
    assert.match(e.reason, /33-byte compressed secp256k1 key/);
    return true;
  });
  const otherKey = new ethers.SigningKey(TEST_KEYS[1]).compressedPublicKey;
  await assert.rejects(staking.stake.staticCall(otherKey, { value: 1n }), (e) => /differs/.test(e.reason));
  await assert.rejects(staking.withdraw.staticCall(), (e) => e.reason === 'staking: nothing to withdraw');
  assert.equal(await staking.stakeOf(wallet.address), ethers.parseEther('100'));
});

test('experts are registered sorted and without repeats', async () => {
  await (await staking.registerExperts([3, 1, 3])).wait(1, 30_000);
  assert.deepEqual((await staking.expertsOf(wallet.address)).map(Number), [1, 3]);
});

test('unstake starts unbonding and withdraw waits for its release', async () => {
  const receipt = await (await staking.unstake(ethers.parseEther('40'))).wait(1, 30_000);
  assert.equal(await staking.stakeOf(wallet.address), ethers.parseEther('60'));
  const [amount, release] = await staking.unbondingOf(wallet.address);
  assert.equal(amount, ethers.parseEther('40'));
  assert.ok(release > BigInt(receipt.blockNumber));
  await assert.rejects(staking.withdraw.staticCall(), (e) => /unbonding until block/.test(e.reason));
});

test('the stake survives a restart of the node', async () => {
  provider.destroy();
  assert.equal((await devnet.stop()).code, 0);
  devnet = await startDevnet({ home: devnet.home, port: devnet.port });
  connect();
  assert.equal(await staking.stakeOf(wallet.address), ethers.parseEther('60'));
  assert.deepEqual((await staking.expertsOf(wallet.address)).map(Number), [1, 3]);
});
