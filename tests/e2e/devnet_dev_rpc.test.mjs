// The dev methods a Hardhat or Foundry script calls on a devnet (decisions 007 and 008): evm_mine,
// evm_increaseTime, evm_setNextBlockTimestamp, evm_snapshot and evm_revert, driven through ethers
// against a real devnet with Hardhat's tutorial contract (a time lock) and a counter that logs;
// a devnet restarted after a revert; and a localnet home, which must refuse them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { MOED, freePort, startDevnet, startProcess, shutdown, TEST_KEYS } from './lib/devnet.mjs';
import { compileSolidity } from './lib/solidity.mjs';

// Hardhat's tutorial time lock, the same source the Hardhat project of e2e.hardhat_project compiles.
const LOCK_SOURCE = readFileSync(new URL('./hardhat_project/contracts/Lock.sol', import.meta.url), 'utf8');

const COUNTER_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Counter {
    uint256 public count;
    event Bumped(uint256 count);

    function bump() external {
        count += 1;
        emit Bumped(count);
    }
}
`;

let devnet;
let provider;

before(async () => {
  devnet = await startDevnet();
  provider = new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
});

after(() => shutdown(devnet, provider));

async function latest() {
  return provider.getBlock('latest');
}

test('evm_mine commits a block before it answers, empty when nothing is pooled', async () => {
  const before = await provider.getBlockNumber();
  assert.equal(await provider.send('evm_mine', []), '0x0');
  const after = await latest();
  assert.ok(after.number >= before + 1);
  const mined = await provider.getBlock(before + 1);
  assert.equal(mined.transactions.length, 0);
});

test('hardhat_mine and anvil_mine commit that many blocks, interval seconds apart; bad counts change nothing', async () => {
  const start = await latest();
  assert.equal(await provider.send('hardhat_mine', ['0x5', '0x3c']), true);
  const afterHardhat = await latest();
  assert.equal(afterHardhat.number, start.number + 5);
  for (let n = start.number + 2; n <= afterHardhat.number; ++n) {
    const [parent, block] = await Promise.all([provider.getBlock(n - 1), provider.getBlock(n)]);
    assert.equal(block.timestamp - parent.timestamp, 60, `block ${n} is 60 s after its parent`);
  }
  assert.equal(await provider.send('anvil_mine', [2]), null);
  const afterAnvil = await latest();
  assert.equal(afterAnvil.number, afterHardhat.number + 2);
  assert.equal(afterAnvil.timestamp - (await provider.getBlock(afterAnvil.number - 1)).timestamp, 1, 'the default interval is 1 s');
  assert.equal(await provider.send('hardhat_mine', []), true, 'one block by default');
  assert.equal(await provider.getBlockNumber(), afterAnvil.number + 1);
  const head = await provider.getBlockNumber();
  for (const params of [['0x0'], [10001], ['lots'], ['0x2', '0x0'], [-1]]) {
    const error = await rpcError(provider, 'hardhat_mine', params);
    assert.equal(error.code, -32602, `hardhat_mine ${JSON.stringify(params)}: ${error.message}`);
  }
  assert.equal(await provider.getBlockNumber(), head);
});

test('evm_increaseTime moves the next blocks forward; a time lock opens only after it', async () => {
  const { Lock } = compileSolidity({ 'Lock.sol': LOCK_SOURCE }).contracts;
  const owner = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[3], provider));
  const now = (await latest()).timestamp;
  const unlockTime = now + 365 * 24 * 3600;
  const lock = await new ethers.ContractFactory(Lock.abi, Lock.bytecode, owner).deploy(unlockTime, { value: 1000n });
  await lock.waitForDeployment();
  await assert.rejects(lock.withdraw.staticCall(), /You can't withdraw yet/);

  const head = (await latest()).timestamp;
  const offset = BigInt(await provider.send('evm_increaseTime', [365 * 24 * 3600]));
  assert.ok(offset >= 365n * 24n * 3600n);
  await provider.send('evm_mine', []);
  // At least a year after the head's time (instant blocks may run ahead of the clock).
  assert.ok((await latest()).timestamp >= head + 365 * 24 * 3600);
  assert.ok((await latest()).timestamp >= unlockTime);
  const receipt = await (await lock.withdraw()).wait();
  assert.equal(receipt.status, 1);
  assert.equal(await provider.getBalance(await lock.getAddress()), 0n);
  // Time goes on from there: later blocks never go back.
  assert.ok((await provider.getBlock(receipt.blockNumber)).timestamp >= unlockTime);
});

test('evm_setNextBlockTimestamp gives the next block exactly that time; a past one is refused', async () => {
  const head = await latest();
  const target = head.timestamp + 1000;
  assert.equal(await provider.send('evm_setNextBlockTimestamp', [target]), null);
  const wallet = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[4], provider));
  const receipt = await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
  assert.equal((await provider.getBlock(receipt.blockNumber)).timestamp, target);
  // evm_mine with a timestamp, as a hex quantity.
  await provider.send('evm_mine', [ethers.toQuantity(target + 50)]);
  assert.equal((await latest()).timestamp, target + 50);

  const current = (await latest()).timestamp;
  await assert.rejects(provider.send('evm_setNextBlockTimestamp', [current]), /lower than or equal to the head block's/);
  await assert.rejects(provider.send('evm_increaseTime', ['seconds']), /invalid argument|hex/);
  await assert.rejects(provider.send('evm_increaseTime', [-5]), /integer from 0/);
  await assert.rejects(provider.send('evm_increaseTime', []), /missing value/);
  // Nothing was changed by the refusals: the next block follows the last one's time.
  await provider.send('evm_mine', []);
  const next = await latest();
  assert.ok(next.timestamp > current && next.timestamp < current + 100);
});

async function rpcError(p, method, params) {
  try {
    await p.send(method, params);
  } catch (e) {
    return e.error ?? e;
  }
  throw new Error(`${method} ${JSON.stringify(params)} did not fail`);
}

test('evm_revert puts back the head, state, receipts, logs and pool of its snapshot; the chain goes on from there', async () => {
  const { Counter } = compileSolidity({ 'Counter.sol': COUNTER_SOURCE }).contracts;
  const deployer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[5], provider));
  const payer = new ethers.Wallet(TEST_KEYS[6], provider);
  const stranger = ethers.Wallet.createRandom().address;

  // A queued transaction (a nonce gap) is in the pool when the snapshot is taken.
  const gapNonce = (await provider.getTransactionCount(payer.address)) + 5;
  const queued = await payer.sendTransaction({ to: stranger, value: 7n, nonce: gapNonce, gasLimit: 21000 });

  const head = await latest();
  const id = await provider.send('evm_snapshot', []);
  assert.match(id, /^0x[1-9a-f][0-9a-f]*$/);
  const balanceBefore = await provider.getBalance(deployer);

  const counter = await new ethers.ContractFactory(Counter.abi, Counter.bytecode, deployer).deploy();
  await counter.waitForDeployment();
  const bump = await (await counter.bump()).wait();
  const transfer = await (await deployer.sendTransaction({ to: stranger, value: 12345n })).wait();
  assert.equal(bump.logs.length, 1);
  // A transaction pooled after the snapshot (another gap) must be gone after the revert.
  const later = await payer.sendTransaction({ to: stranger, value: 8n, nonce: gapNonce + 1, gasLimit: 21000 });
  await provider.send('evm_increaseTime', [10_000]);
  await provider.send('evm_mine', []);
  const grown = await latest();
  assert.ok(grown.number >= head.number + 4);

  assert.equal(await provider.send('evm_revert', [id]), true);
  const back = await latest();
  assert.equal(back.number, head.number);
  assert.equal(back.hash, head.hash);
  assert.equal(await provider.getBlock(head.number + 1), null);
  assert.equal(await provider.getTransactionReceipt(bump.hash), null);
  assert.equal(await provider.getTransaction(transfer.hash), null);
  assert.equal(await provider.getCode(await counter.getAddress()), '0x');
  assert.equal(await provider.getBalance(deployer), balanceBefore);
  assert.equal(await provider.getBalance(stranger), 0n);
  assert.equal(await provider.getTransactionCount(deployer.signer.address), await provider.getTransactionCount(deployer.signer.address, head.number));
  const logs = await provider.getLogs({ fromBlock: head.number, toBlock: 'latest', address: await counter.getAddress() });
  assert.equal(logs.length, 0);
  const pool = await provider.send('txpool_content', []);
  const queuedHashes = Object.values(pool.queued[payer.address] ?? pool.queued[payer.address.toLowerCase()] ?? {}).map((t) => t.hash);
  assert.deepEqual(queuedHashes, [queued.hash]);
  assert.ok(!queuedHashes.includes(later.hash));
  // The snapshot is used up, and so is every later one.
  assert.equal(await provider.send('evm_revert', [id]), false);

  // The next height is signed and committed again, a new block where the removed one was; the
  // clock is the snapshot's (the jump of 10,000 s is undone).
  deployer.reset();
  const again = await (await deployer.sendTransaction({ to: stranger, value: 1n })).wait();
  assert.equal(again.blockNumber, head.number + 1);
  const redone = await provider.getBlock(head.number + 1);
  assert.notEqual(redone.hash, grown.hash);
  assert.ok(redone.timestamp < head.timestamp + 5_000);
  assert.equal(await provider.getBalance(stranger), 1n);
});

test('snapshots nest: reverting to an earlier one invalidates the later ones; bad ids are refused or false', async () => {
  const wallet = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[7], provider));
  const first = await provider.send('evm_snapshot', []);
  const firstHead = await provider.getBlockNumber();
  await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
  const second = await provider.send('evm_snapshot', []);
  assert.ok(BigInt(second) > BigInt(first));
  const secondHead = await provider.getBlockNumber();
  await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
  const third = await provider.send('evm_snapshot', []);
  await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();

  assert.equal(await provider.send('evm_revert', [second]), true);
  assert.equal(await provider.getBlockNumber(), secondHead);
  assert.equal(await provider.send('evm_revert', [third]), false);
  assert.equal(await provider.getBlockNumber(), secondHead);
  assert.equal(await provider.send('evm_revert', [first]), true);
  assert.equal(await provider.getBlockNumber(), firstHead);

  assert.equal(await provider.send('evm_revert', ['0xffffff']), false);
  assert.equal((await rpcError(provider, 'evm_revert', ['snapshot'])).code, -32602);
  assert.equal((await rpcError(provider, 'evm_revert', [])).code, -32602);
  assert.equal((await rpcError(provider, 'evm_revert', [{ id: 1 }])).code, -32602);
  assert.equal(await provider.getBlockNumber(), firstHead);
});

test('a devnet stopped or killed after a revert restarts at the reverted head and goes on', async () => {
  const own = await startDevnet();
  let p = new ethers.JsonRpcProvider(own.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  let restarted;
  try {
    const wallet = new ethers.Wallet(TEST_KEYS[1], p);
    await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce: 0 })).wait();
    const id = await p.send('evm_snapshot', []);
    const kept = await p.getBlock('latest');
    for (let nonce = 1; nonce <= 3; ++nonce) {
      await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce })).wait();
    }
    assert.equal(await p.send('evm_revert', [id]), true);
    // Killed at once: the WAL said "the next height, nothing signed" before the database moved.
    p.destroy();
    assert.equal((await own.kill()).signal, 'SIGKILL');
    restarted = await startDevnet({ home: own.home });
    p = new ethers.JsonRpcProvider(restarted.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const head = await p.getBlock(kept.number);
    assert.equal(head.hash, kept.hash);
    assert.ok((await p.getBlockNumber()) >= kept.number);
    assert.equal(await p.getTransactionCount(wallet.address), 1);
    const w = new ethers.Wallet(TEST_KEYS[1], p);
    const r = await (await w.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce: 1 })).wait();
    assert.equal(r.status, 1);
    // Every block from the snapshot on replays to its receipts (debug_traceBlockByNumber checks
    // each transaction's gas and status against the stored receipt).
    const traced = await p.send('debug_traceBlockByNumber', [ethers.toQuantity(r.blockNumber), { tracer: 'callTracer' }]);
    assert.equal(traced.length, 1);
  } finally {
    p.destroy();
    if (restarted) assert.equal((await restarted.stop()).code, 0);
    else await own.stop();
    own.remove();
  }
});

test('*_setBalance, *_setCode, *_setStorageAt and *_setNonce change the state in a block of their own, under both names', async () => {
  const { Counter } = compileSolidity({ 'Counter.sol': COUNTER_SOURCE }).contracts;
  const fresh = ethers.Wallet.createRandom().connect(provider);
  const before = await provider.getBlockNumber();
  assert.equal(await provider.send('hardhat_setBalance', [fresh.address, ethers.toQuantity(ethers.parseEther('3'))]), true);
  assert.equal(await provider.getBalance(fresh.address), ethers.parseEther('3'));
  assert.ok((await provider.getBlockNumber()) > before);
  // Leading zeros, as cast and some helpers write them.
  assert.equal(await provider.send('anvil_setBalance', [fresh.address, '0x0000000000000000000000000000000000000000000000004563918244f40000']), null);
  assert.equal(await provider.getBalance(fresh.address), ethers.parseEther('5'));
  // The funded account sends like any other.
  const paid = await (await fresh.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();
  assert.equal(paid.status, 1);

  const where = ethers.Wallet.createRandom().address;
  assert.equal(await provider.send('hardhat_setCode', [where, Counter.deployedBytecode]), true);
  assert.equal(await provider.getCode(where), Counter.deployedBytecode);
  const counter = new ethers.Contract(where, Counter.abi, new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[8], provider)));
  assert.equal(await counter.count(), 0n);
  assert.equal(await provider.send('anvil_setStorageAt', [where, '0x0', ethers.toBeHex(41n, 32)]), null);
  assert.equal(await counter.count(), 41n);
  assert.equal(await provider.send('hardhat_setStorageAt', [where, ethers.toBeHex(0n, 32), ethers.toBeHex(99n, 32)]), true);
  assert.equal(await counter.count(), 99n);
  const bumped = await (await counter.bump()).wait();
  assert.equal(bumped.status, 1);
  assert.equal(await counter.count(), 100n);
  // The code a change sets is classified as a deployment of the same code is; removing the
  // code removes the class.
  const signer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[7], provider));
  const deployed = await (await new ethers.ContractFactory(Counter.abi, Counter.bytecode, signer).deploy()).waitForDeployment();
  const deployedClass = await provider.send('moe_getContractClass', [await deployed.getAddress()]);
  const setClass = await provider.send('moe_getContractClass', [where]);
  assert.ok(deployedClass && setClass, `classes: deployed ${JSON.stringify(deployedClass)}, set ${JSON.stringify(setClass)}`);
  assert.equal(setClass.class, deployedClass.class);
  assert.equal(await provider.send('hardhat_setCode', [where, '0x']), true);
  assert.equal(await provider.send('moe_getContractClass', [where]), null);

  const nonce = await provider.getTransactionCount(fresh.address);
  assert.equal(await provider.send('hardhat_setNonce', [fresh.address, ethers.toQuantity(nonce + 10)]), true);
  assert.equal(await provider.getTransactionCount(fresh.address), nonce + 10);
  assert.equal(await provider.send('anvil_setNonce', [fresh.address, ethers.toQuantity(nonce + 12)]), null);
  assert.equal(await provider.getTransactionCount(fresh.address), nonce + 12);
  const sent = await (await fresh.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce: nonce + 12 })).wait();
  assert.equal(sent.status, 1);
});

test('dev state methods refuse bad input with -32602 and change nothing', async () => {
  const target = ethers.Wallet.createRandom().address;
  const head = await provider.getBlockNumber();
  const refusals = [
    ['hardhat_setBalance', ['0x1234', '0x1']],
    ['anvil_setBalance', [target]],
    ['anvil_setBalance', [target, 'lots']],
    ['hardhat_setBalance', [target, `0x1${'0'.repeat(64)}`]],
    ['hardhat_setCode', [target, '0xzz']],
    ['anvil_setStorageAt', [target, '0x0', '0x01']],
    ['hardhat_setStorageAt', ['not an address', '0x0', ethers.toBeHex(1n, 32)]],
    ['hardhat_setNonce', [target, `0x1${'0'.repeat(16)}`]],
  ];
  for (const [method, params] of refusals) {
    const error = await rpcError(provider, method, params);
    assert.equal(error.code, -32602, `${method} ${JSON.stringify(params)}: ${error.message}`);
  }
  // A nonce may not go down: an included transaction would run again.
  const user = new ethers.Wallet(TEST_KEYS[8], provider).address;
  const lower = await rpcError(provider, 'hardhat_setNonce', [user, '0x0']);
  assert.match(lower.message, /must not be smaller than the existing nonce/);
  assert.equal(await provider.getBlockNumber(), head);
  assert.equal(await provider.getBalance(target), 0n);
  assert.equal(await provider.getCode(target), '0x');
});

test('a block carrying dev changes and a transaction that depends on them replays to its receipts after a restart', async () => {
  // Blocks every 30 s, so the pooled call and the change share the block evm_mine asks for.
  const own = await startDevnet({ extraArgs: ['--no-instant', '--block-time', '30'] });
  let p = new ethers.JsonRpcProvider(own.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  let restarted;
  try {
    const { Counter } = compileSolidity({ 'Counter.sol': COUNTER_SOURCE }).contracts;
    const where = ethers.Wallet.createRandom().address;
    const wallet = new ethers.Wallet(TEST_KEYS[2], p);
    const iface = new ethers.Interface(Counter.abi);
    // Pooled while `where` has no code: it runs the code the same block sets before it.
    const call = await wallet.sendTransaction({ to: where, data: iface.encodeFunctionData('bump'), gasLimit: 100_000, nonce: 0 });
    assert.equal(await p.send('hardhat_setCode', [where, Counter.deployedBytecode]), true);
    const receipt = await p.getTransactionReceipt(call.hash);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.logs.length, 1, 'the call ran the code set by its own block');
    assert.equal(BigInt(await p.getStorage(where, 0)), 1n);
    p.destroy();
    assert.equal((await own.stop()).code, 0);
    restarted = await startDevnet({ home: own.home, extraArgs: ['--no-instant', '--block-time', '30'] });
    p = new ethers.JsonRpcProvider(restarted.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    // The replay applies the block's changes first, or the call's gas and logs would differ
    // from its receipt and the trace would be refused.
    const traced = await p.send('debug_traceTransaction', [call.hash, { tracer: 'callTracer' }]);
    assert.equal(traced.to.toLowerCase(), where.toLowerCase());
    assert.equal(BigInt(traced.gasUsed), receipt.gasUsed);
    assert.equal(traced.error, undefined);
  } finally {
    p.destroy();
    if (restarted) assert.equal((await restarted.stop()).code, 0);
    else await own.stop();
    own.remove();
  }
});

test('an impersonated account sends unsigned through eth_sendTransaction; its blocks name it and replay', async () => {
  const { Counter } = compileSolidity({ 'Counter.sol': COUNTER_SOURCE }).contracts;
  const whale = ethers.Wallet.createRandom().address;  // nobody holds its key here
  await provider.send('hardhat_setBalance', [whale, ethers.toQuantity(ethers.parseEther('10'))]);
  const refused = await rpcError(provider, 'eth_sendTransaction', [{ from: whale, to: ethers.ZeroAddress, value: '0x1' }]);
  assert.match(refused.message, /unknown account/);

  assert.equal(await provider.send('hardhat_impersonateAccount', [whale]), true);
  const signer = new ethers.JsonRpcSigner(provider, whale);
  const counter = await new ethers.ContractFactory(Counter.abi, Counter.bytecode, signer).deploy();
  await counter.waitForDeployment();
  const receipt = await (await counter.bump()).wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.from.toLowerCase(), whale.toLowerCase());
  assert.equal(await counter.count(), 1n);
  const sent = await provider.getTransaction(receipt.hash);
  assert.equal(sent.from.toLowerCase(), whale.toLowerCase());
  const block = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), true]);
  assert.equal(block.transactions[0].from.toLowerCase(), whale.toLowerCase());
  const traced = await provider.send('debug_traceTransaction', [receipt.hash, { tracer: 'callTracer' }]);
  assert.equal(traced.from.toLowerCase(), whale.toLowerCase());
  assert.equal(BigInt(traced.gasUsed), receipt.gasUsed);

  // Another, through Anvil's names, with explicit fees and nonce.
  const bob = ethers.Wallet.createRandom().address;
  assert.equal(await provider.send('anvil_setBalance', [bob, ethers.toQuantity(ethers.parseEther('1'))]), null);
  assert.equal(await provider.send('anvil_impersonateAccount', [bob]), null);
  const hash = await provider.send('eth_sendTransaction', [{
    from: bob, to: whale, value: '0x2a', gas: '0x5208', maxFeePerGas: ethers.toQuantity(ethers.parseUnits('100', 'gwei')),
    maxPriorityFeePerGas: '0x1', nonce: '0x0',
  }]);
  const paid = await provider.getTransactionReceipt(hash);  // an instant devnet answers once it is mined
  assert.equal(paid.status, 1);
  assert.equal(paid.from.toLowerCase(), bob.toLowerCase());
  assert.equal(await provider.send('anvil_stopImpersonatingAccount', [bob]), null);
  assert.match((await rpcError(provider, 'eth_sendTransaction', [{ from: bob, to: whale, value: '0x1' }])).message, /unknown account/);

  // The devnet's own accounts, as Anvil's: listed, and signed for with their keys.
  const alice = new ethers.Wallet(TEST_KEYS[9]).address;
  const accounts = await provider.send('eth_accounts', []);
  assert.equal(accounts.length, 10);
  assert.equal(accounts[9].toLowerCase(), alice.toLowerCase());
  const signed = await provider.send('eth_sendTransaction', [{ from: alice, to: whale, value: '0x7' }]);
  const tx = await provider.getTransaction(signed);
  const { type, chainId, nonce, to, value, data, gasLimit, maxFeePerGas, maxPriorityFeePerGas, accessList, signature } = tx;
  const recovered = ethers.Transaction.from({ type, chainId, nonce, to, value, data, gasLimit, maxFeePerGas, maxPriorityFeePerGas, accessList, signature });
  assert.equal(recovered.from, alice);
  assert.equal(recovered.hash, signed);
  assert.equal((await provider.getTransactionReceipt(signed)).status, 1);
  // A contract can be impersonated too (EIP-3607 is waived for it, as on Anvil and Hardhat).
  const where = await counter.getAddress();
  await provider.send('hardhat_setBalance', [where, ethers.toQuantity(ethers.parseEther('1'))]);
  await provider.send('hardhat_impersonateAccount', [where]);
  const fromContract = await (await new ethers.JsonRpcSigner(provider, where).sendTransaction({ to: whale, value: 3n })).wait();
  assert.equal(fromContract.status, 1);
  assert.equal(fromContract.from.toLowerCase(), where.toLowerCase());
  const replayed = await provider.send('debug_traceTransaction', [fromContract.hash, { tracer: 'callTracer' }]);
  assert.equal(replayed.from.toLowerCase(), where.toLowerCase());
  assert.equal(await counter.count(), 1n, 'its code and storage are untouched');
  await provider.send('hardhat_stopImpersonatingAccount', [where]);
  assert.equal(await provider.send('hardhat_stopImpersonatingAccount', [whale]), true);
  assert.equal((await rpcError(provider, 'hardhat_impersonateAccount', ['0x12'])).code, -32602);
  assert.equal((await rpcError(provider, 'eth_sendTransaction', [{ to: whale }])).code, -32602);
  assert.equal((await rpcError(provider, 'eth_sendTransaction', [{ from: alice, to: whale, nonce: `0x1${'0'.repeat(16)}` }])).code, -32602);
});

test('a revert pools an impersonated transaction of its snapshot again, still unsigned and named by its block', async () => {
  // Blocks every 30 s: the transaction waits in the pool until evm_mine.
  const own = await startDevnet({ extraArgs: ['--no-instant', '--block-time', '30'] });
  const p = new ethers.JsonRpcProvider(own.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const who = ethers.Wallet.createRandom().address;
    await p.send('anvil_setBalance', [who, ethers.toQuantity(ethers.parseEther('1'))]);
    await p.send('anvil_impersonateAccount', [who]);
    const hash = await p.send('eth_sendTransaction', [{ from: who, to: ethers.ZeroAddress, value: '0x5', gas: '0x5208' }]);
    const id = await p.send('evm_snapshot', []);
    await p.send('evm_mine', []);
    const first = await p.getTransactionReceipt(hash);
    assert.equal(first.status, 1);
    assert.equal(await p.send('evm_revert', [id]), true);
    assert.equal(await p.getTransactionReceipt(hash), null);
    const pool = await p.send('txpool_content', []);
    const pending = Object.values(Object.entries(pool.pending).find(([a]) => a.toLowerCase() === who.toLowerCase())?.[1] ?? {});
    assert.deepEqual(pending.map((t) => t.hash), [hash]);
    await p.send('evm_mine', []);
    const again = await p.getTransactionReceipt(hash);
    assert.equal(again.status, 1);
    assert.equal(again.from.toLowerCase(), who.toLowerCase());
    assert.equal(again.blockNumber, first.blockNumber);  // the height the removed block had
  } finally {
    p.destroy();
    assert.equal((await own.stop()).code, 0);
    own.remove();
  }
});

test('a localnet home refuses the dev methods with a reason', async () => {
  const home = mkdtempSync(join(tmpdir(), 'moed-localnet-'));
  rmSync(home, { recursive: true });
  execFileSync(MOED, ['init', '--preset', 'localnet', '--home', home], { stdio: 'ignore' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = await startProcess({ command: MOED, args: ['start', '--home', home, '--rpc-port', String(port)], url, name: 'moed' });
  try {
    for (const method of ['evm_mine', 'evm_increaseTime', 'evm_setNextBlockTimestamp', 'evm_snapshot', 'evm_revert',
      'hardhat_setBalance', 'anvil_setBalance', 'hardhat_setCode', 'anvil_setStorageAt', 'anvil_setNonce',
      'hardhat_impersonateAccount', 'eth_sendTransaction']) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [1] }),
      });
      const { error } = await res.json();
      assert.equal(error?.code, -32601, method);
      assert.match(error.message, /only on a single-validator devnet home: this chain is localnet/, method);
    }
  } finally {
    assert.equal((await node.stop()).code, 0);
    rmSync(home, { recursive: true, force: true });
  }
});
