// Issue 16, item 3: the dev RPC as users call it. A Hardhat project (hardhat_project/, npm
// hardhat) whose mocha tests use loadFixture (evm_snapshot / evm_revert), time travel,
// setBalance and impersonation runs with `npx hardhat test --network moed` against a real
// `moed devnet` as an external network; and Foundry's cast (npm @foundry-rs/cast) calls the
// anvil_* methods, sends from an impersonated account with `cast send --unlocked`, and gets a
// clear error for bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ethers } from 'ethers';
import { startDevnet, shutdown } from './lib/devnet.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BIN = join(HERE, 'node_modules', '.bin');

let devnet;
let provider;
const out = mkdtempSync(join(tmpdir(), 'moed-hardhat-'));

before(async () => {
  devnet = await startDevnet();
  provider = new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
});

after(async () => {
  rmSync(out, { recursive: true, force: true });
  await shutdown(devnet, provider);
});

async function cast(...args) {
  const { stdout, stderr } = await promisify(execFile)(join(BIN, 'cast'), [...args, '--rpc-url', devnet.url], { timeout: 60_000 });
  assert.doesNotMatch(stderr, /Error/, `cast ${args.join(' ')}: ${stderr}`);
  return stdout.trim();
}

/// The error cast reports (the npm wrapper exits 0 and writes "Error: ..." to stderr).
async function castFails(...args) {
  let stdout;
  let stderr;
  try {
    ({ stdout, stderr } = await promisify(execFile)(join(BIN, 'cast'), [...args, '--rpc-url', devnet.url], { timeout: 60_000 }));
  } catch (e) {
    ({ stdout, stderr } = e);
  }
  assert.match(stderr, /Error/, `cast ${args.join(' ')} did not fail: ${stdout}`);
  return stderr;
}

test('npx hardhat test --network moed: loadFixture, time travel, setBalance and impersonation pass', async () => {
  const run = promisify(execFile)(join(BIN, 'hardhat'), ['test', '--network', 'moed'], {
    cwd: join(HERE, 'hardhat_project'),
    env: { ...process.env, MOED_RPC_URL: devnet.url, MOE_HARDHAT_OUT: out, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    timeout: 240_000,
  });
  let stdout;
  try {
    ({ stdout } = await run);
  } catch (e) {
    assert.fail(`hardhat test failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`);
  }
  assert.match(stdout, /6 passing/);
  assert.doesNotMatch(stdout, /failing|pending/);
  // The fixture's snapshots were reverted for real: the chain holds the later tests' blocks,
  // not one per test.
  assert.match(devnet.log(), /reverted to snapshot/);
});

test('cast rpc anvil_* and cast send --unlocked change the devnet as on Anvil; evm_revert undoes them', async () => {
  const who = ethers.Wallet.createRandom().address;
  const id = await cast('rpc', 'evm_snapshot');
  assert.match(id, /^"0x[0-9a-f]+"$/);
  assert.equal(await cast('rpc', 'anvil_setBalance', who, '0xde0b6b3a7640000'), 'null');
  assert.equal(await cast('balance', who), '1000000000000000000');
  assert.equal(await cast('rpc', 'anvil_setNonce', who, '0x5'), 'null');
  assert.equal(await cast('nonce', who), '5');

  const where = ethers.Wallet.createRandom().address;
  assert.equal(await cast('rpc', 'anvil_setCode', where, '0x602a5f5260205ff3'), 'null');  // returns 42
  assert.equal(await cast('code', where), '0x602a5f5260205ff3');
  assert.equal(await cast('call', where), ethers.toBeHex(42n, 32));
  assert.equal(await cast('rpc', 'anvil_setStorageAt', where, '0x1', ethers.toBeHex(7n, 32)), 'null');
  assert.equal(await cast('storage', where, '1'), ethers.toBeHex(7n, 32));

  assert.equal(await cast('rpc', 'anvil_impersonateAccount', who), 'null');
  const sent = JSON.parse(await cast('send', '--unlocked', '--from', who, ethers.ZeroAddress, '--value', '1000', '--json'));
  assert.equal(sent.status, '0x1');
  assert.equal(sent.from.toLowerCase(), who.toLowerCase());
  assert.equal(await cast('nonce', who), '6');
  assert.equal(await cast('rpc', 'anvil_stopImpersonatingAccount', who), 'null');
  assert.match(await castFails('send', '--unlocked', '--from', who, ethers.ZeroAddress, '--value', '1'), /unknown account/);

  assert.equal(await cast('rpc', 'evm_revert', JSON.parse(id)), 'true');
  assert.equal(await cast('balance', who), '0');
  assert.equal(await cast('code', where), '0x');
  assert.equal(await cast('rpc', 'evm_revert', JSON.parse(id)), 'false');
});

test('cast gets a clear error for bad input and nothing changes', async () => {
  const target = ethers.Wallet.createRandom().address;
  assert.match(await castFails('rpc', 'anvil_setBalance', '0x12', '0x1'), /-32602.*want 40 for common.Address/);
  assert.match(await castFails('rpc', 'anvil_setBalance', target, 'lots'), /-32602/);
  assert.match(await castFails('rpc', 'anvil_setStorageAt', target, '0x0', '0x01'), /-32602.*exactly 32 bytes/);
  assert.match(await castFails('rpc', 'anvil_setNonce', target, `0x1${'0'.repeat(16)}`), /-32602.*below 2\^64/);
  assert.match(await castFails('rpc', 'evm_revert', 'snapshot'), /-32602/);
  // Nothing was queued for a block: the target is as it was.
  assert.equal(await cast('balance', target), '0');
  assert.equal(await cast('nonce', target), '0');
  assert.equal(await cast('storage', target, '0'), ethers.ZeroHash);
});
