// Stop and restart a devnet on the same home: height, balances and receipts are as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { connect, startDevnet, TEST_KEYS } from './lib/devnet.mjs';


test('a restarted devnet continues from its last block with the same state', async () => {
  let devnet = await startDevnet();
  const home = devnet.home;
  try {
    let p = connect(devnet);
    const wallet = new ethers.Wallet(TEST_KEYS[0], p);
    const to = new ethers.Wallet(TEST_KEYS[1]).address;
    const receipt = await (await wallet.sendTransaction({ to, value: ethers.parseEther('2') })).wait(1, 30_000);
    const before = {
      height: await p.getBlockNumber(),
      from: await p.getBalance(wallet.address),
      to: await p.getBalance(to),
      receipt: await p.send('eth_getTransactionReceipt', [receipt.hash]),
      block: await p.send('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false]),
    };
    p.destroy();
    assert.equal((await devnet.stop()).code, 0, 'moed did not stop cleanly');

    devnet = await startDevnet({ home });
    p = connect(devnet);
    assert.ok(await p.getBlockNumber() >= before.height);
    assert.equal(await p.getBalance(wallet.address), before.from);
    assert.equal(await p.getBalance(to), before.to);
    assert.deepEqual(await p.send('eth_getTransactionReceipt', [receipt.hash]), before.receipt);
    assert.deepEqual(await p.send('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false]), before.block);
    // And it keeps going: the nonce continues where it was.
    const next = await (await wallet.connect(p).sendTransaction({ to, value: 1n })).wait(1, 30_000);
    assert.equal(next.status, 1);
    assert.ok(next.blockNumber > receipt.blockNumber);
    p.destroy();
  } finally {
    await devnet.stop();
    devnet.remove();
  }
});
