// ethers.js against a real devnet: the flows a wallet or a tutorial uses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { connect, shutdown, startDevnet, TEST_KEYS } from './lib/devnet.mjs';

let devnet;
let provider;

before(async () => {
  devnet = await startDevnet();
  provider = connect(devnet);
});

after(() => shutdown(devnet, provider));

test('reads the chain id and the balance of the first test account', async () => {
  const net = await provider.getNetwork();
  assert.equal(net.chainId, 4224n);
  const wallet = new ethers.Wallet(TEST_KEYS[0]);
  assert.equal(wallet.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  assert.equal(await provider.getBalance(wallet.address), ethers.parseEther('10000'));
});

test('a transfer is mined with status 1 and moves exactly value + gas', async () => {
  const wallet = new ethers.Wallet(TEST_KEYS[0], provider);
  const to = new ethers.Wallet(TEST_KEYS[1]).address;
  const [fromBefore, toBefore, nonceBefore] = await Promise.all([
    provider.getBalance(wallet.address), provider.getBalance(to), provider.getTransactionCount(wallet.address),
  ]);
  const value = ethers.parseEther('1.5');
  const tx = await wallet.sendTransaction({ to, value });
  const receipt = await tx.wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.gasUsed, 21000n);
  const fee = receipt.gasUsed * receipt.gasPrice;
  assert.equal(await provider.getBalance(wallet.address), fromBefore - value - fee);
  assert.equal(await provider.getBalance(to), toBefore + value);
  assert.equal(await provider.getTransactionCount(wallet.address), nonceBefore + 1);

  const mined = await provider.getTransaction(tx.hash);
  assert.equal(mined.hash, tx.hash);
  assert.equal(mined.blockNumber, receipt.blockNumber);
  assert.equal(mined.from, wallet.address);
  const block = await provider.getBlock(receipt.blockNumber);
  assert.ok(block.transactions.includes(tx.hash));
  assert.equal(block.number, receipt.blockNumber);
  const latest = await provider.getBlock('latest');
  assert.ok(latest.number >= receipt.blockNumber);
});

test('a second transfer with a used nonce and a transfer over the balance are rejected and change nothing', async () => {
  const wallet = new ethers.Wallet(TEST_KEYS[0], provider);
  const to = new ethers.Wallet(TEST_KEYS[2]).address;
  const used = (await provider.getTransactionCount(wallet.address)) - 1;
  const [fromBefore, toBefore, nonceBefore] = await Promise.all([
    provider.getBalance(wallet.address), provider.getBalance(to), provider.getTransactionCount(wallet.address),
  ]);
  await assert.rejects(wallet.sendTransaction({ to, value: 1n, nonce: used }), (e) => {
    assert.match(String(e.message), /nonce too low|already known/);
    return true;
  });
  await assert.rejects(wallet.sendTransaction({ to, value: fromBefore + 1n }), (e) => {
    assert.match(String(e.message), /insufficient funds/);
    return true;
  });
  assert.equal(await provider.getBalance(wallet.address), fromBefore);
  assert.equal(await provider.getBalance(to), toBefore);
  assert.equal(await provider.getTransactionCount(wallet.address), nonceBefore);
});

test('fee data, fee history and gas estimates are what wallets expect', async () => {
  const fee = await provider.getFeeData();
  assert.ok(fee.maxFeePerGas > 0n && fee.maxPriorityFeePerGas > 0n && fee.gasPrice > 0n);
  const estimate = await provider.estimateGas({
    from: new ethers.Wallet(TEST_KEYS[0]).address, to: new ethers.Wallet(TEST_KEYS[1]).address, value: 1n,
  });
  assert.equal(estimate, 21000n);
  const history = await provider.send('eth_feeHistory', ['0x4', 'latest', [25, 75]]);
  assert.equal(history.baseFeePerGas.length, history.gasUsedRatio.length + 1);
  assert.equal(history.reward.length, history.gasUsedRatio.length);
});

test('a WebSocket newHeads subscription sees a new block', async () => {
  const ws = new ethers.WebSocketProvider(devnet.wsUrl);
  try {
    const seen = new Promise((resolve) => ws.on('block', (n) => resolve(n)));
    await ws.getBlockNumber();
    const wallet = new ethers.Wallet(TEST_KEYS[1], provider);
    await (await wallet.sendTransaction({ to: wallet.address, value: 1n })).wait(1, 30_000);
    const n = await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error('no block over ws')), 20_000))]);
    assert.ok(n >= 1);
  } finally {
    await ws.destroy();
  }
});

test('txpool_status, txpool_content and txpool_inspect show a transaction behind a nonce gap as queued until the gap fills', async () => {
  const wallet = new ethers.Wallet(TEST_KEYS[3], provider);
  const to = new ethers.Wallet(TEST_KEYS[4]).address;
  const nonce = await provider.getTransactionCount(wallet.address);
  const ahead = await wallet.sendTransaction({ to, value: 7n, nonce: nonce + 1 });
  const status = await provider.send('txpool_status', []);
  assert.equal(status.queued, '0x1');
  const content = await provider.send('txpool_content', []);
  const queued = content.queued[wallet.address]?.[String(nonce + 1)];
  assert.ok(queued, `queued under the sender and decimal nonce: ${JSON.stringify(content)}`);
  assert.equal(queued.hash, ahead.hash);
  assert.equal(queued.blockNumber, null);
  assert.equal(content.pending[wallet.address], undefined);
  const inspect = await provider.send('txpool_inspect', []);
  assert.match(inspect.queued[wallet.address][String(nonce + 1)], new RegExp(`^${to}: 7 wei \\+ 21000 gas × \\d+ wei$`));

  await (await wallet.sendTransaction({ to, value: 1n, nonce })).wait(1, 30_000);
  assert.equal((await ahead.wait(1, 30_000)).status, 1);
  assert.deepEqual(await provider.send('txpool_status', []), { pending: '0x0', queued: '0x0' });
});

test('web3_clientVersion names the build: its version and git revision, as moed version prints them', async () => {
  const version = await provider.send('web3_clientVersion', []);
  assert.match(version, /^moed\/v0\.1\.0-([0-9a-f]{12}(-dirty)?|unknown)\/linux-x86_64\/gcc12$/);
});
