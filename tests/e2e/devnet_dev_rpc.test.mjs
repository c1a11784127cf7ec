// The dev methods a Hardhat or Foundry script calls on a devnet (decision 007): evm_mine,
// evm_increaseTime, evm_setNextBlockTimestamp, driven through ethers against a real devnet with
// Hardhat's tutorial contract (a time lock); and a localnet home, which must not serve them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';
import { MOED, freePort, startDevnet, startProcess, shutdown, TEST_KEYS } from './lib/devnet.mjs';
import { compileSolidity } from './lib/solidity.mjs';

const LOCK_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Lock {
    uint256 public unlockTime;
    address payable public owner;

    event Withdrawal(uint256 amount, uint256 when);

    constructor(uint256 _unlockTime) payable {
        require(block.timestamp < _unlockTime, "Unlock time should be in the future");
        unlockTime = _unlockTime;
        owner = payable(msg.sender);
    }

    function withdraw() public {
        require(block.timestamp >= unlockTime, "You can't withdraw yet");
        require(msg.sender == owner, "You aren't the owner");
        emit Withdrawal(address(this).balance, block.timestamp);
        owner.transfer(address(this).balance);
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

test('a localnet home does not serve the dev methods', async () => {
  const home = mkdtempSync(join(tmpdir(), 'moed-localnet-'));
  rmSync(home, { recursive: true });
  execFileSync(MOED, ['init', '--preset', 'localnet', '--home', home], { stdio: 'ignore' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = await startProcess({ command: MOED, args: ['start', '--home', home, '--rpc-port', String(port)], url, name: 'moed' });
  try {
    for (const method of ['evm_mine', 'evm_increaseTime', 'evm_setNextBlockTimestamp']) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [1] }),
      });
      assert.equal((await res.json()).error?.code, -32601, method);
    }
  } finally {
    assert.equal((await node.stop()).code, 0);
    rmSync(home, { recursive: true, force: true });
  }
});
