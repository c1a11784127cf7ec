// debug_traceTransaction and debug_traceCall (issue 16, item 3) against a real devnet through
// ethers: geth's struct logger and callTracer outputs for a call that reverts two frames deep,
// replayed on its block's parent state after the block's earlier transactions, with the
// receipt's gas and status; Foundry's cast (npm @foundry-rs/cast) replaying the same calls with
// `cast run` and `cast call --trace`; and bad requests answered with errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ethers } from 'ethers';
import { startDevnet, connect, shutdown, TEST_KEYS } from './lib/devnet.mjs';
import { compileSolidity } from './lib/solidity.mjs';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Vault {
    uint256 public total;

    function deposit(uint256 amount) external {
        require(amount <= 100, "amount too large");
        require(total + amount <= 150, "vault is full");
        total += amount;
    }
}

contract Forwarder {
    Vault public immutable vault;

    constructor(Vault v) { vault = v; }

    function forward(uint256 amount) external { vault.deposit(amount); }
}
`;

let devnet;
let provider;
let vault;
let forwarder;
let signers;

before(async () => {
  devnet = await startDevnet();
  provider = connect(devnet);
  signers = [3, 4].map((i) => new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[i], provider)));
  const { Vault, Forwarder } = compileSolidity({ 'Vault.sol': SOURCE }).contracts;
  vault = await new ethers.ContractFactory(Vault.abi, Vault.bytecode, signers[0]).deploy();
  await vault.waitForDeployment();
  forwarder = await new ethers.ContractFactory(Forwarder.abi, Forwarder.bytecode, signers[0]).deploy(await vault.getAddress());
  await forwarder.waitForDeployment();
});

after(() => shutdown(devnet, provider));

/// Sends forward(amount) with a fixed gas limit (a reverting call cannot be estimated) and
/// waits for its receipt, whatever its status.
async function forward(signer, amount) {
  const tx = await forwarder.connect(signer).forward(amount, { gasLimit: 200_000 });
  return provider.waitForTransaction(tx.hash);
}

const lower = (a) => a.toLowerCase();

const CAST = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin', 'cast');
async function cast(...args) {
  const { stdout } = await promisify(execFile)(CAST, [...args, '--rpc-url', devnet.url], { timeout: 60_000 });
  return stdout;
}

test('the struct logger of a reverted call shows REVERT at depth 2, with the receipt gas', async () => {
  const receipt = await forward(signers[0], 1000);
  assert.equal(receipt.status, 0);
  const trace = await provider.send('debug_traceTransaction', [receipt.hash]);
  assert.equal(trace.failed, true);
  assert.equal(trace.gas, Number(receipt.gasUsed));
  // The revert data of Error("amount too large"), without 0x, as geth.
  const reason = ethers.AbiCoder.defaultAbiCoder().encode(['string'], ['amount too large']).slice(2);
  assert.equal(trace.returnValue, '08c379a0' + reason);

  const logs = trace.structLogs;
  assert.ok(logs.length > 50);
  const firstRevert = logs.findIndex((l) => l.op === 'REVERT');
  assert.ok(firstRevert > 0, 'a REVERT step');
  assert.equal(logs[firstRevert].depth, 2, 'the vault reverts, one frame below the forwarder');
  const call = logs.findLast((l, i) => i < firstRevert && l.op === 'CALL');
  assert.equal(call.depth, 1);
  assert.equal(logs.at(-1).op, 'REVERT');
  assert.equal(logs.at(-1).depth, 1, 'the forwarder passes the revert on');
  for (const l of logs) {
    assert.equal(typeof l.pc, 'number');
    assert.equal(typeof l.gas, 'number');
    assert.equal(typeof l.gasCost, 'number');
    assert.ok(Array.isArray(l.stack));
    assert.ok(l.stack.every((w) => /^0x[0-9a-f]+$/.test(w)));
    assert.equal(l.memory, undefined);
    assert.equal(l.error, undefined);
  }
  // Gas flows from step to step within a frame: each step's gas is the last one's less its cost.
  for (let i = 1; i < logs.length; i++) {
    if (logs[i].depth === logs[i - 1].depth && logs[i - 1].op !== 'CALL') {
      assert.equal(logs[i].gas, logs[i - 1].gas - logs[i - 1].gasCost, `step ${i} (${logs[i - 1].op})`);
    }
  }
});

test('the callTracer nests the vault call under the forwarder with its revert reason', async () => {
  const receipt = await forward(signers[0], 1000);
  const tx = await provider.getTransaction(receipt.hash);
  const top = await provider.send('debug_traceTransaction', [receipt.hash, { tracer: 'callTracer' }]);
  assert.equal(top.type, 'CALL');
  assert.equal(top.from, lower(receipt.from));
  assert.equal(top.to, lower(await forwarder.getAddress()));
  assert.equal(top.value, '0x0');
  assert.equal(BigInt(top.gas), tx.gasLimit);
  assert.equal(BigInt(top.gasUsed), receipt.gasUsed);
  assert.equal(top.input, tx.data);
  assert.equal(top.error, 'execution reverted');
  assert.equal(top.revertReason, 'amount too large');
  assert.equal(top.calls.length, 1);
  const inner = top.calls[0];
  assert.equal(inner.type, 'CALL');
  assert.equal(inner.from, lower(await forwarder.getAddress()));
  assert.equal(inner.to, lower(await vault.getAddress()));
  assert.equal(inner.input, vault.interface.encodeFunctionData('deposit', [1000]));
  assert.equal(inner.error, 'execution reverted');
  assert.equal(inner.revertReason, 'amount too large');
  assert.ok(BigInt(inner.gasUsed) < BigInt(inner.gas));
  assert.equal(inner.calls, undefined);

  const only = await provider.send('debug_traceTransaction', [receipt.hash, { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } }]);
  assert.equal(only.calls, undefined);
  assert.equal(only.revertReason, 'amount too large');
});

test('the callTracer of a deployment is a CREATE whose output is the code it set', async () => {
  const deployment = vault.deploymentTransaction();
  const receipt = await provider.getTransactionReceipt(deployment.hash);
  const top = await provider.send('debug_traceTransaction', [deployment.hash, { tracer: 'callTracer' }]);
  assert.equal(top.type, 'CREATE');
  assert.equal(top.to, lower(await vault.getAddress()));
  assert.equal(top.output, await provider.getCode(await vault.getAddress()));
  assert.equal(BigInt(top.gasUsed), receipt.gasUsed);
  assert.equal(top.error, undefined);
});

test('a transaction is traced after the earlier ones of its block, with their effects', async () => {
  // Sent together, 100 and 60 share a block; whichever runs second overfills the vault and
  // fails only because the other went in before it.
  const amounts = [100, 60];
  const sent = await Promise.all(amounts.map((a, i) => forwarder.connect(signers[i]).forward(a, { gasLimit: 200_000 })));
  const receipts = await Promise.all(sent.map((t) => provider.waitForTransaction(t.hash)));
  assert.deepEqual(receipts.map((r) => r.status).sort(), [0, 1]);
  const okIndex = receipts.findIndex((r) => r.status === 1);
  const [good, bad] = [receipts[okIndex], receipts[1 - okIndex]];
  assert.ok(bad.blockNumber > good.blockNumber || bad.index > good.index);

  const ok = await provider.send('debug_traceTransaction', [good.hash]);
  assert.equal(ok.failed, false);
  assert.equal(ok.gas, Number(good.gasUsed));
  const store = ok.structLogs.find((l) => l.op === 'SSTORE');
  assert.equal(store.depth, 2);
  assert.deepEqual(store.storage, { ['0'.repeat(64)]: amounts[okIndex].toString(16).padStart(64, '0') });

  const failed = await provider.send('debug_traceTransaction', [bad.hash, { tracer: 'callTracer' }]);
  assert.equal(failed.revertReason, 'vault is full');
  assert.equal(BigInt(failed.gasUsed), bad.gasUsed);
  const steps = await provider.send('debug_traceTransaction', [bad.hash, { disableStack: true }]);
  assert.equal(steps.gas, Number(bad.gasUsed));
  assert.equal(steps.failed, true);

  // The whole block, each transaction with a tracer of its own, as geth answers it.
  const block = await provider.send('debug_traceBlockByNumber', [ethers.toQuantity(bad.blockNumber), { tracer: 'callTracer' }]);
  const txs = (await provider.getBlock(bad.blockNumber)).transactions;
  assert.deepEqual(block.map((t) => t.txHash), txs);
  const mine = block.find((t) => t.txHash === bad.hash).result;
  assert.deepEqual(mine, failed);
  const byHash = await provider.send('debug_traceBlockByHash', [bad.blockHash, { disableStack: true }]);
  assert.deepEqual(byHash.find((t) => t.txHash === bad.hash).result, steps);
});

test('debug_traceCall traces a call at a block with the same tracers and options', async () => {
  const call = { from: await signers[0].getAddress(), to: await forwarder.getAddress(),
                 data: forwarder.interface.encodeFunctionData('forward', [1000]), gas: '0x30d40' };
  const top = await provider.send('debug_traceCall', [call, 'latest', { tracer: 'callTracer' }]);
  assert.equal(top.error, 'execution reverted');
  assert.equal(top.gas, '0x30d40');
  assert.equal(top.calls[0].revertReason, 'amount too large');

  const logs = await provider.send('debug_traceCall', [call, 'latest', { enableMemory: true, disableStack: true, limit: 20 }]);
  assert.equal(logs.failed, true);
  assert.equal(logs.structLogs.length, 20);
  assert.ok(logs.structLogs.every((l) => l.stack === undefined && Array.isArray(l.memory)));
  assert.ok(logs.structLogs.some((l) => l.memory.length > 0 && l.memory.every((m) => /^[0-9a-f]{64}$/.test(m))));

  const success = { ...call, data: forwarder.interface.encodeFunctionData('forward', [1]) };
  const fine = await provider.send('debug_traceCall', [success, 'latest', {}]);
  assert.equal(fine.failed, false);
  assert.equal(fine.returnValue, '');
});

test('bad trace requests get a JSON-RPC error', async () => {
  const missing = '0x' + '11'.repeat(32);
  await assert.rejects(provider.send('debug_traceTransaction', [missing]), /not found/);
  await assert.rejects(provider.send('debug_traceTransaction', ['0x1234']), /invalid argument|hash/i);
  const receipt = await forward(signers[0], 1000);
  await assert.rejects(provider.send('debug_traceTransaction', [receipt.hash, { tracer: 'prestateTracer' }]), /tracer not found/);
  await assert.rejects(provider.send('debug_traceTransaction', [receipt.hash, { limit: -1 }]), /limit/);
  await assert.rejects(provider.send('debug_traceTransaction', [receipt.hash, { disableStack: 'yes' }]), /boolean/);
  await assert.rejects(provider.send('debug_traceCall', [{ to: 7 }, 'latest']), /invalid argument|address/i);
  await assert.rejects(provider.send('debug_traceBlockByNumber', ['0xffffff']), /not found|block/);
  await assert.rejects(provider.send('debug_traceBlockByHash', [missing]), /not found/);
  await assert.rejects(provider.send('debug_traceBlockByNumber', ['latest', { tracer: 'nope' }]), /tracer not found/);
});

test('a trace is bounded: a loop to 50M gas is refused whole and served with a limit', async () => {
  // Init code that loops until its gas runs out: JUMPDEST PUSH1 0 JUMP.
  const loop = { from: await signers[0].getAddress(), data: '0x5b600056', gas: ethers.toQuantity(50_000_000) };
  await assert.rejects(provider.send('debug_traceCall', [loop, 'latest']), /trace too large.*limit/);
  const first = await provider.send('debug_traceCall', [loop, 'latest', { limit: 10 }]);
  assert.equal(first.structLogs.length, 10);
  assert.equal(first.failed, true);
  assert.equal(first.returnValue, '');
  assert.equal(first.gas, 50_000_000);
  const calls = await provider.send('debug_traceCall', [loop, 'latest', { tracer: 'callTracer' }]);
  assert.equal(calls.type, 'CREATE');
  assert.equal(calls.error, 'out of gas');
  assert.equal(calls.to, undefined);
});

test('cast run and cast call --trace replay the reverted call from this node\'s state', async () => {
  const receipt = await forward(signers[0], 1000);
  const vaultCall = new RegExp(`${await vault.getAddress()}::b6b55f25\\(0+3e8\\)\\s+│\\s+└─ ← \\[Revert\\] amount too large`);
  // cast run forks the parent block over eth_get* at that number and re-runs the block's
  // earlier transactions first, as debug_traceTransaction does.
  const run = await cast('run', receipt.hash);
  assert.match(run, vaultCall);
  assert.match(run, new RegExp(`Gas used: ${receipt.gasUsed}\\b`));
  const call = await cast('call', '--trace', await forwarder.getAddress(), 'forward(uint256)', '1000');
  assert.match(call, vaultCall);
});
