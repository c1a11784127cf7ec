// The staking system contract (docs/decisions/002-staking-contract.md) through ethers.js, as
// any Solidity contract: stake, the view functions, events, revert reasons, unstake and withdraw.
// The devnet's genesis may hold a stake of its own validator, so totals are compared before
// and after rather than against fixed numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { connect, shutdown, startDevnet, TEST_KEYS } from './lib/devnet.mjs';
import { need, succeeds, mined, minedReverted, assertRevert, assertCallException } from './lib/assertions.mjs';

const STAKING = '0x0000000000000000000000000000000000001000';
const STAKING_ABI = [
  'event Staked(address indexed validator, bytes pubkey, uint256 amount)',
  'event Unstaked(address indexed validator, uint256 amount, uint256 releaseBlock)',
  'event Withdrawn(address indexed validator, uint256 amount)',
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
const STAKE = ethers.parseEther('100');
const UNSTAKE = ethers.parseEther('40');

let devnet;
let provider;
let staker;    // TEST_KEYS[3]
let pubkey;    // its 33-byte compressed public key
let staking;   // the contract, signed by staker
let other;     // TEST_KEYS[4]: never stakes
const s = {};  // what earlier tests produced

before(async () => {
  devnet = await startDevnet();
  provider = connect(devnet);
  staker = new ethers.Wallet(TEST_KEYS[3], provider);
  pubkey = new ethers.SigningKey(TEST_KEYS[3]).compressedPublicKey;
  staking = new ethers.Contract(STAKING, STAKING_ABI, staker);
  other = new ethers.Wallet(TEST_KEYS[4], provider);
});

after(() => shutdown(devnet, provider));

/// The contract's view of the world at one block, read consistently.
function snapshot(blockTag) {
  return succeeds(readSnapshot(blockTag), 'reading the staking contract');
}
async function readSnapshot(blockTag) {
  blockTag ??= await provider.getBlockNumber();
  const validators = [...await staking.validators({ blockTag })];
  const accounts = [...new Set([...validators, staker.address])];
  let staked = 0n;
  let unbonding = 0n;
  for (const v of accounts) {
    staked += await staking.stakeOf(v, { blockTag });
    unbonding += (await staking.unbondingOf(v, { blockTag })).amount;
  }
  return {
    blockTag, validators, staked, unbonding,
    contractBalance: await provider.getBalance(STAKING, blockTag),
    stake: await staking.stakeOf(staker.address, { blockTag }),
  };
}

test('the staking contract lives at 0x…1000 with the code 0xfe and answers its view functions', async () => {
  assert.equal(await provider.getCode(STAKING), '0xfe', 'the staking contract\'s code');
  const snap = await snapshot();
  assert.equal(snap.stake, 0n, 'TEST_KEYS[3] starts without a stake');
  assert.ok(!snap.validators.includes(staker.address));
  assert.equal(await staking.pubkeyOf(staker.address), '0x');
  assert.deepEqual([...await staking.expertsOf(staker.address)], []);
  const unbonding = await staking.unbondingOf(staker.address);
  assert.equal(unbonding.amount, 0n);
  // Whatever the genesis staked, the contract holds exactly the stakes and the unbonding amounts.
  assert.equal(snap.contractBalance, snap.staked + snap.unbonding);
});

test('stake(100 ETH) with the staker\'s compressed key: stakeOf, validators, pubkeyOf and the Staked event', async () => {
  assert.equal(ethers.dataLength(pubkey), 33);
  const before = await snapshot();
  const balance = await provider.getBalance(staker.address);
  const estimate = await succeeds(staking.stake.estimateGas(pubkey, { value: STAKE }), 'estimateGas of stake');

  const receipt = await mined(staking.stake(pubkey, { value: STAKE }), 'stake');
  assert.equal(receipt.status, 1);
  assert.equal(receipt.to, STAKING);
  assert.ok(receipt.gasUsed <= estimate, `gasUsed ${receipt.gasUsed}, estimate ${estimate}`);

  const after = await snapshot(receipt.blockNumber);
  assert.equal(after.stake, before.stake + STAKE);
  assert.equal(await staking.stakeOf(staker.address), STAKE);
  const validators = [...await staking.validators()];
  assert.ok(validators.includes(staker.address), `validators() = ${validators}`);
  assert.equal(validators.length, before.validators.length + 1);
  const sorted = [...validators].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  assert.deepEqual(validators, sorted, 'validators() is in ascending address order');
  assert.equal(await staking.pubkeyOf(staker.address), pubkey);

  // Value moved from the staker to the contract; the staker also paid the gas.
  assert.equal(await provider.getBalance(staker.address), balance - STAKE - receipt.gasUsed * receipt.gasPrice);
  assert.equal(after.contractBalance, before.contractBalance + STAKE);

  const logs = receipt.logs.filter((l) => l.address === STAKING);
  assert.equal(logs.length, 1);
  const staked = staking.interface.parseLog(logs[0]);
  assert.equal(staked.name, 'Staked');
  assert.equal(staked.args.validator, staker.address);
  assert.equal(staked.args.pubkey, pubkey);
  assert.equal(staked.args.amount, STAKE);
  assert.equal(logs[0].topics[0], ethers.id('Staked(address,bytes,uint256)'));
  assert.equal(logs[0].topics[1], ethers.zeroPadValue(staker.address, 32));
  const found = await staking.queryFilter(staking.filters.Staked(staker.address), receipt.blockNumber, receipt.blockNumber);
  assert.equal(found.length, 1);
  assert.equal(found[0].transactionHash, receipt.hash);
  s.staked = true;
});

test('stakes with a 32-byte key, another key, an invalid key or no value revert with a reason', async () => {
  need(s.staked, 'the first stake');
  const key32 = ethers.dataSlice(pubkey, 1);  // the x coordinate alone
  assert.equal(ethers.dataLength(key32), 32);
  const one = { value: ethers.parseEther('1') };
  const reason = await assertRevert(staking.stake.staticCall(key32, one), undefined, 'a 32-byte key (eth_call)');
  assert.equal(await assertRevert(staking.stake.estimateGas(key32, one), undefined, 'a 32-byte key (estimateGas)'), reason);

  const uncompressed = new ethers.SigningKey(TEST_KEYS[3]).publicKey;  // 65 bytes
  await assertRevert(staking.stake.staticCall(uncompressed, one), undefined, 'a 65-byte key');
  const notOnCurve = ethers.concat(['0x02', ethers.toBeHex(ethers.MaxUint256, 32)]);  // x >= p: no such point
  await assertRevert(staking.stake.staticCall(notOnCurve, one), undefined, 'a 33-byte string that is not a key');
  const otherKey = new ethers.SigningKey(TEST_KEYS[4]).compressedPublicKey;
  await assertRevert(staking.stake.staticCall(otherKey, one), undefined, 'a second stake with another key');
  await assertRevert(staking.stake.staticCall(pubkey, { value: 0n }), undefined, 'a stake of zero');
  // The bound key again is accepted (not sent: only checked).
  await succeeds(staking.stake.staticCall(pubkey, one), 'a second stake with the bound key (eth_call)');

  // Mined anyway with a gas limit: status 0, the value goes back, only the fee is paid.
  const before = await snapshot();
  const balance = await provider.getBalance(staker.address);
  const { hash } = await minedReverted(staking.stake(key32, { ...one, gasLimit: 500_000n }), 'a stake with a 32-byte key and a gas limit');
  const receipt = await provider.getTransactionReceipt(hash);
  assert.equal(receipt.status, 0);
  assert.equal(receipt.logs.length, 0);
  assert.equal(await provider.getBalance(staker.address), balance - receipt.gasUsed * receipt.gasPrice);
  const after = await snapshot(receipt.blockNumber);
  assert.equal(after.stake, before.stake);
  assert.equal(after.contractBalance, before.contractBalance);
  assert.equal(await staking.pubkeyOf(staker.address), pubkey);
});

test('registerExperts([3, 1, 3]) replaces the list, stored sorted and without repeats: expertsOf == [1, 3]', async () => {
  need(s.staked, 'the first stake');
  const r1 = await mined(staking.registerExperts([7]), 'registerExperts([7])');
  assert.equal(r1.status, 1);
  assert.deepEqual((await staking.expertsOf(staker.address)).map(Number), [7]);

  const receipt = await mined(staking.registerExperts([3, 1, 3]), 'registerExperts([3, 1, 3])');
  assert.equal(receipt.status, 1);
  assert.deepEqual((await staking.expertsOf(staker.address)).map(Number), [1, 3]);
  const logs = receipt.logs.filter((l) => l.address === STAKING);
  assert.equal(logs.length, 1);
  const ev = staking.interface.parseLog(logs[0]);
  assert.equal(ev.name, 'ExpertsRegistered');
  assert.equal(ev.args.validator, staker.address);

  await assertRevert(staking.registerExperts.staticCall(Array.from({ length: 17 }, (_, i) => i)), undefined, '17 expert ids');
  await succeeds(staking.registerExperts.staticCall(Array.from({ length: 16 }, (_, i) => i)), '16 expert ids (eth_call)');
  await assertRevert(staking.connect(other).registerExperts.staticCall([1]), undefined, 'registerExperts without a stake');
  // Value sent to anything but stake is refused (ethers will not attach value to a
  // non-payable function, so the call is built by hand).
  const data = staking.interface.encodeFunctionData('registerExperts', [[1]]);
  await assertCallException(provider.call({ from: staker.address, to: STAKING, data, value: 1n }), 'registerExperts with value');
  assert.deepEqual((await staking.expertsOf(staker.address)).map(Number), [1, 3]);
});

test('unstake(40 ETH): stakeOf is 60 ETH and unbondingOf gives (40 ETH, a later release block)', async () => {
  need(s.staked, 'the first stake');
  await assertRevert(staking.unstake.staticCall(STAKE + 1n), undefined, 'unstake more than the stake');
  await assertRevert(staking.unstake.staticCall(0n), undefined, 'unstake zero');
  await assertRevert(staking.connect(other).unstake.staticCall(1n), undefined, 'unstake without a stake');

  const before = await snapshot();
  const balance = await provider.getBalance(staker.address);
  const receipt = await mined(staking.unstake(UNSTAKE), 'unstake(40 ETH)');
  assert.equal(receipt.status, 1);
  assert.equal(await staking.stakeOf(staker.address), STAKE - UNSTAKE);
  const unbonding = await staking.unbondingOf(staker.address);
  assert.equal(unbonding.amount, UNSTAKE);
  assert.ok(unbonding.releaseBlock > BigInt(receipt.blockNumber),
    `releaseBlock ${unbonding.releaseBlock} is after the unstake's block ${receipt.blockNumber}`);

  const logs = receipt.logs.filter((l) => l.address === STAKING);
  assert.equal(logs.length, 1);
  const ev = staking.interface.parseLog(logs[0]);
  assert.equal(ev.name, 'Unstaked');
  assert.equal(ev.args.validator, staker.address);
  assert.equal(ev.args.amount, UNSTAKE);
  assert.equal(ev.args.releaseBlock, unbonding.releaseBlock);

  // Nothing is paid out yet: the contract keeps the amount, the staker only paid the fee.
  const after = await snapshot(receipt.blockNumber);
  assert.equal(after.contractBalance, before.contractBalance);
  assert.equal(after.staked, before.staked - UNSTAKE);
  assert.equal(after.unbonding, before.unbonding + UNSTAKE);
  assert.equal(await provider.getBalance(staker.address), balance - receipt.gasUsed * receipt.gasPrice);
  assert.ok((await staking.validators()).includes(staker.address), 'still a validator with 60 ETH');
  s.releaseBlock = unbonding.releaseBlock;
});

test('withdraw() before the release block reverts with a reason', async () => {
  const releaseBlock = need(s.releaseBlock, 'the unstake');
  const head = BigInt(await provider.getBlockNumber());
  // An eth_call runs on the head block or the one after it, depending on the node.
  assert.ok(head + 1n < releaseBlock,
    `the release block ${releaseBlock} is already reached at head ${head}: unbonding_blocks is too short to test this`);
  await assertRevert(staking.withdraw.staticCall(), undefined, 'withdraw before the release (eth_call)');
  await assertRevert(staking.withdraw.estimateGas(), undefined, 'withdraw before the release (estimateGas)');
  assert.equal((await staking.unbondingOf(staker.address)).amount, UNSTAKE);
});

test('the contract\'s balance is the total staked plus the total unbonding', async () => {
  need(s.staked, 'the first stake');
  const snap = await snapshot();
  assert.ok(snap.validators.includes(staker.address));
  assert.equal(snap.contractBalance, snap.staked + snap.unbonding,
    `balance ${snap.contractBalance}, staked ${snap.staked}, unbonding ${snap.unbonding}`);
  assert.ok(snap.contractBalance >= STAKE, 'our stake and unbonding amount are in it');
});

test('plain value transfers and unknown selectors to the staking contract are refused', async () => {
  await assertCallException(provider.estimateGas({ from: other.address, to: STAKING, value: 1n }), 'a plain transfer of 1 wei');
  await assertCallException(provider.call({ from: other.address, to: STAKING, data: '0xdeadbeef' }), 'an unknown selector');
});

test('withdraw() after the release block pays the unbonding amount back (when the release is near)', async (t) => {
  const releaseBlock = need(s.releaseBlock, 'the unstake');
  const head = BigInt(await provider.getBlockNumber());
  const blocksLeft = releaseBlock - head;
  if (blocksLeft > 30n) {
    t.skip(`the release is ${blocksLeft} blocks away`);
    return;
  }
  const deadline = Date.now() + Number(blocksLeft + 10n) * 2_000;
  while (BigInt(await provider.getBlockNumber()) < releaseBlock) {
    assert.ok(Date.now() < deadline, `block ${releaseBlock} was not reached in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const before = await snapshot();
  const balance = await provider.getBalance(staker.address);
  const receipt = await mined(staking.withdraw(), 'withdraw()');
  assert.equal(receipt.status, 1);
  assert.equal(await provider.getBalance(staker.address), balance + UNSTAKE - receipt.gasUsed * receipt.gasPrice);
  assert.equal((await staking.unbondingOf(staker.address)).amount, 0n);
  assert.equal(await staking.stakeOf(staker.address), STAKE - UNSTAKE);
  const ev = staking.interface.parseLog(receipt.logs.find((l) => l.address === STAKING));
  assert.equal(ev.name, 'Withdrawn');
  assert.equal(ev.args.validator, staker.address);
  assert.equal(ev.args.amount, UNSTAKE);
  const after = await snapshot(receipt.blockNumber);
  assert.equal(after.contractBalance, before.contractBalance - UNSTAKE);
  assert.equal(after.contractBalance, after.staked + after.unbonding);
});

test('the stake and the experts survive a restart of the node (contract storage in the state trie)', async () => {
  const stakeBefore = await staking.stakeOf(staker.address);
  const expertsBefore = (await staking.expertsOf(staker.address)).map(Number);
  provider.destroy();
  assert.equal((await devnet.stop()).code, 0);
  devnet = await startDevnet({ home: devnet.home, port: devnet.port });
  provider = connect(devnet);
  staking = new ethers.Contract(STAKING, STAKING_ABI, staker.connect(provider));
  assert.ok(stakeBefore > 0n);
  assert.equal(await staking.stakeOf(staker.address), stakeBefore);
  assert.deepEqual((await staking.expertsOf(staker.address)).map(Number), expertsBefore);
});
