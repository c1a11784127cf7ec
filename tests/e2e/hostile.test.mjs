// Code that misbehaves ends its call as the spec says and the node keeps serving: runaway
// recursion mined and called, and creation code that underflows, jumps badly, hits INVALID or
// loops until out of gas, run through eth_call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { compileSolidity } from './lib/solidity.mjs';
import { connect, shutdown, startDevnet, TEST_KEYS } from './lib/devnet.mjs';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract Recursor {
    uint256 public deepest;
    function down(uint256 n) external returns (uint256) {
        if (n > deepest) deepest = n;
        return this.down(n + 1);
    }
}
`;

let devnet;
let provider;

before(async () => {
  devnet = await startDevnet();
  provider = connect(devnet);
});

after(() => shutdown(devnet, provider));

test('runaway recursion fails its call and its transaction, and nothing of it stays', async () => {
  const { contracts } = compileSolidity({ 'Recursor.sol': SOURCE });
  const wallet = new ethers.Wallet(TEST_KEYS[4], provider);
  const factory = new ethers.ContractFactory(contracts.Recursor.abi, contracts.Recursor.bytecode, wallet);
  const recursor = await factory.deploy();
  await recursor.waitForDeployment();
  await assert.rejects(recursor.down.staticCall(0n, { gasLimit: 30_000_000n }));
  const tx = await recursor.down(0n, { gasLimit: 5_000_000n });
  const receipt = await tx.wait(1, 30_000).catch((e) => e.receipt);
  assert.equal(receipt.status, 0);
  assert.equal(await recursor.deepest(), 0n);
});

test('hostile creation code gets an error each, never a crash', async () => {
  for (const [code, message] of [
    ['0x01', 'stack underflow'],
    ['0x600356', 'invalid jump destination'],
    ['0xfe', 'invalid opcode'],
    ['0x5b600056', 'out of gas'],
  ]) {
    const res = await fetch(devnet.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: code, gas: '0x100000' }, 'latest'] }),
    });
    const body = await res.json();
    assert.equal(body.error?.code, -32000, JSON.stringify(body));
    assert.equal(body.error.message, message);
  }
  assert.ok((await provider.getBlockNumber()) > 0);
});
