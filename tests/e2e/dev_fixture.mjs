// What loadFixture costs a test suite (decision 008): after one deployment, ROUNDS times a
// transaction mined and waited for, then evm_revert to the fixture's snapshot and a new
// evm_snapshot, as @nomicfoundation/hardhat-network-helpers does between tests; on a fresh
// `moed devnet` and on Anvil in one run, through ethers. Prints both wall times and the ratio.
// bench/dev_fixture.sh runs this. Extra arguments are passed to `moed devnet`.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { startDevnet, TEST_KEYS } from './lib/devnet.mjs';
import { startAnvil } from './lib/anvil.mjs';

const ROUNDS = 50;

async function rounds(url) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 200 });
  try {
    const wallet = new ethers.Wallet(TEST_KEYS[0], provider);
    const start = await provider.getBlockNumber();
    await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n })).wait();  // the fixture
    let id = await provider.send('evm_snapshot', []);
    const nonce = await provider.getTransactionCount(wallet.address);
    const t0 = performance.now();
    for (let i = 0; i < ROUNDS; ++i) {
      const receipt = await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 2n, nonce })).wait();
      assert.equal(receipt.status, 1);
      assert.equal(await provider.send('evm_revert', [id]), true);
      id = await provider.send('evm_snapshot', []);
    }
    const ms = performance.now() - t0;
    assert.equal(await provider.getTransactionCount(wallet.address), nonce);  // every round was undone
    return { ms, start };
  } finally {
    provider.destroy();
  }
}

const devnet = await startDevnet({ extraArgs: process.argv.slice(2) });
const anvil = await startAnvil();
try {
  const moed = await rounds(devnet.url);
  const peer = await rounds(anvil.url);
  console.log(`${ROUNDS} rounds of: a transaction mined and waited for, evm_revert, evm_snapshot (ethers 6)`);
  console.log(`moed   ${(moed.ms / 1000).toFixed(3)} s  ${(moed.ms / ROUNDS).toFixed(1)} ms a round`);
  console.log(`anvil  ${(peer.ms / 1000).toFixed(3)} s  ${(peer.ms / ROUNDS).toFixed(1)} ms a round`);
  console.log(`moed / anvil wall time: ${(moed.ms / peer.ms).toFixed(2)}x`);
} finally {
  await anvil.stop();
  await devnet.stop();
  devnet.remove();
}
