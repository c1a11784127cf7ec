// Four validators screen the same transactions and classify the same contracts: every node's
// verdicts and classes, compared over RPC, are identical (integer inference, decision 005),
// also for contracts that factories create inside a transaction (CREATE and CREATE2).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { TEST_KEYS, connect } from './lib/devnet.mjs';
import { compileSolidity } from './lib/solidity.mjs';
import { createTestnet, rpc } from './lib/testnet.mjs';
import { liveBuild } from '../../scripts/contract_corpus/live.mjs';

const net = await createTestnet({ validators: 4 });
after(async () => { await net.shutdown(); });

const TOKEN = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract Coin {
    mapping(address => uint256) public balanceOf;
    event Transfer(address indexed from, address indexed to, uint256 value);
    constructor() { balanceOf[msg.sender] = 1e24; }
    function transfer(address to, uint256 v) external returns (bool) {
        require(balanceOf[msg.sender] >= v, "balance");
        balanceOf[msg.sender] -= v; balanceOf[to] += v; emit Transfer(msg.sender, to, v); return true;
    }
    function totalSupply() external pure returns (uint256) { return 1e24; }
    function approve(address, uint256) external pure returns (bool) { return true; }
    function transferFrom(address, address, uint256) external pure returns (bool) { return false; }
}`;

test('every validator computes the same verdicts and contract classes', async () => {
  await net.startAll();
  await net.waitHeight(2);
  const providers = net.nodes.map((n) => connect(n));
  const { contracts } = compileSolidity({ 'Coin.sol': TOKEN });
  const deployer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[0], providers[0]));
  const coin = await new ethers.ContractFactory(contracts.Coin.abi, contracts.Coin.bytecode, deployer).deploy();
  const deployTx = coin.deploymentTransaction().hash;
  await coin.waitForDeployment();

  // Transfers and a token transfer, each sent to a different node.
  const hashes = [deployTx];
  for (let i = 1; i <= 4; ++i) {
    const w = new ethers.Wallet(TEST_KEYS[i], providers[i % 4]);
    const t = await w.sendTransaction({ to: ethers.Wallet.createRandom().address, value: ethers.parseEther(String(i)) });
    hashes.push(t.hash);
  }
  const token = coin.connect(deployer);
  hashes.push((await token.transfer(new ethers.Wallet(TEST_KEYS[5]).address, 1000n)).hash);
  for (const h of hashes) await providers[0].waitForTransaction(h);
  const head = await net.height(0);
  await net.waitHeight(head);

  const address = await coin.getAddress();
  const classes = await Promise.all(net.nodes.map((n) => rpc(n.url, 'moe_getContractClass', [address])));
  assert.ok(classes[0], 'the contract was classified');
  for (const c of classes) assert.deepEqual(c, classes[0]);
  for (const h of hashes) {
    const verdicts = await Promise.all(net.nodes.map((n) => rpc(n.url, 'moe_getTransactionVerdict', [h])));
    assert.ok(verdicts[0], `transaction ${h} has a verdict`);
    for (const v of verdicts) assert.deepEqual(v, verdicts[0], `nodes disagree on ${h}`);
  }
  // The statistics behind the verdicts are in the state, so equal blocks mean equal statistics.
  await net.assertSameChain(head);
  const risks = await Promise.all(net.nodes.map((n) => rpc(n.url, 'moe_getAccountRisk', [address, '0x' + head.toString(16)])));
  for (const r of risks) assert.deepEqual(r.statistics, risks[0].statistics);
  for (const p of providers) p.destroy();
});

test('factories and their products are classified alike on every validator, in the same state', async () => {
  const providers = net.nodes.map((n) => connect(n));
  const build = liveBuild();
  const deployer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[6], providers[1]));
  const deploy = async (name, args = []) => {
    const c = build[name];
    const d = await new ethers.ContractFactory(c.abi, `0x${c.bytecode}`, deployer).deploy(...args);
    await d.waitForDeployment();
    return new ethers.Contract(await d.getAddress(), c.abi, deployer);
  };
  // A token launcher (CREATE and CREATE2 of an OpenZeppelin token) and Uniswap v2's factory
  // (CREATE2 of a pair), from the live set of the contract classifier.
  const launcher = await deploy('TokenLauncher');
  const weth = await deploy('WETH9');
  const factory = await deploy('UniswapV2Factory', [await deployer.getAddress()]);
  const receipts = [];
  receipts.push(await (await launcher.launch('Alpha', 'ALP', 10n ** 24n)).wait());
  receipts.push(await (await launcher.launchSalted('Beta', 'BET', 10n ** 24n, ethers.id('beta'))).wait());
  receipts.push(await (await factory.createPair(await launcher.tokens(0), await weth.getAddress())).wait());
  const pair = await factory.getPair(await launcher.tokens(0), await weth.getAddress());
  const contracts = { launcher: await launcher.getAddress(), token: await launcher.tokens(0), saltedToken: await launcher.tokens(1),
    weth: await weth.getAddress(), factory: await factory.getAddress(), pair };
  const height = Math.max(...receipts.map((r) => r.blockNumber));
  await net.waitHeight(height);

  const want = { launcher: 'factory', token: 'erc20', saltedToken: 'erc20', weth: 'erc20', factory: 'factory', pair: 'dex' };
  for (const [what, address] of Object.entries(contracts)) {
    const classes = await Promise.all(net.nodes.map((n) => rpc(n.url, 'moe_getContractClass', [address, ethers.toQuantity(height)])));
    assert.ok(classes[0], `${what} was classified`);
    for (const c of classes) assert.deepEqual(c, classes[0], `nodes disagree on the class of ${what}`);
    assert.equal(classes[0].class, want[what], `${what}: ${JSON.stringify(classes[0])}`);
  }
  // The classes live in the registry's storage, so the state roots must agree too.
  const roots = await Promise.all(net.nodes.map(async (n) => (await rpc(n.url, 'eth_getBlockByNumber', [ethers.toQuantity(height), false])).stateRoot));
  for (const r of roots) assert.equal(r, roots[0], `state roots at ${height} differ: ${roots}`);
  await net.assertSameChain(height);
  for (const p of providers) p.destroy();
});
