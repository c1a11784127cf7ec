// Contract classes of what people deploy (issue 14, decision 005), on a real devnet: the live
// set of scripts/contract_corpus/live.mjs (Uniswap v2 from its npm build artifacts, OpenZeppelin 5
// compiled by solc-js, a token launcher, a multisig), none of which the classifier trained on,
// deployed through ethers. Contracts made by contracts (a pair by createPair, tokens by a
// launcher's CREATE and CREATE2, a ProxyAdmin by a proxy's constructor) are classified in the
// block that creates them, and `moed moe eval` confirms that no deployed code shares a skeleton
// with the training corpus and that the node's classes are the model's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { MOED, TEST_KEYS, connect, shutdown, startDevnet } from './lib/devnet.mjs';
import { mined, need } from './lib/assertions.mjs';
import { LIVE_CONTRACTS, liveBuild } from '../../scripts/contract_corpus/live.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = process.env.MOE_SHARED_DIR ?? join(ROOT, '..', 'shared');
// EIP-1967: the slot holding a proxy's admin.
const ADMIN_SLOT = '0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103';

let devnet;
let provider;
let signer;
let build;
/// name -> { address, block, label, how } for every contract deployed or created below.
const deployed = new Map();

before(async () => {
  build = liveBuild();
  devnet = await startDevnet();
  provider = connect(devnet);
  signer = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[0], provider));
});
after(async () => { await shutdown(devnet, provider); });

const rpc = (method, params) => provider.send(method, params);
const label = (name) => LIVE_CONTRACTS.find(([n]) => n === name)[1];

async function deploy(name, args = [], key = name) {
  const c = build[name];
  const contract = await new ethers.ContractFactory(c.abi, `0x${c.bytecode}`, signer).deploy(...args);
  const receipt = await contract.deploymentTransaction().wait(1, 30_000);
  deployed.set(key, { address: await contract.getAddress(), block: receipt.blockNumber, label: label(name), how: 'transaction' });
  return new ethers.Contract(await contract.getAddress(), c.abi, signer);
}

function record(key, name, address, block, how) {
  deployed.set(key, { address: ethers.getAddress(address), block, label: label(name), how });
}

/// The class the node stored for `key`, checked to be absent the block before its creation.
async function classOf(key) {
  const d = need(deployed.get(key), key);
  const before = await rpc('moe_getContractClass', [d.address, ethers.toQuantity(d.block - 1)]);
  assert.equal(before, null, `${key} had a class before the block that created it`);
  const atCreation = await rpc('moe_getContractClass', [d.address, ethers.toQuantity(d.block)]);
  assert.ok(atCreation, `${key} (${d.how}) was not classified in block ${d.block}`);
  return atCreation;
}

test('the live set deploys: Uniswap v2 from npm artifacts, OpenZeppelin 5, a launcher, a multisig', async () => {
  const weth = await deploy('WETH9');
  const factory = await deploy('UniswapV2Factory', [await signer.getAddress()]);
  await deploy('UniswapV2Router02', [await factory.getAddress(), await weth.getAddress()]);
  const token = await deploy('LiveGovToken');
  const collection = await deploy('LiveCollection');
  await deploy('LiveItems');
  await deploy('ERC1967Proxy', [await token.getAddress(), '0x']);
  const tup = await deploy('TransparentUpgradeableProxy', [await collection.getAddress(), await signer.getAddress(), '0x']);
  const admin = ethers.getAddress(ethers.dataSlice(await provider.getStorage(await tup.getAddress(), ADMIN_SLOT), 12));
  record('ProxyAdmin', 'ProxyAdmin', admin, deployed.get('TransparentUpgradeableProxy').block, 'CREATE in a proxy constructor');
  const owners = TEST_KEYS.slice(1, 4).map((k) => new ethers.Wallet(k).address);
  await deploy('TeamVault', [owners, 2]);

  // The pair: CREATE2 inside UniswapV2Factory.createPair.
  const created = await mined(factory.createPair(await token.getAddress(), await weth.getAddress()), 'createPair');
  record('UniswapV2Pair', 'UniswapV2Pair', await factory.getPair(await token.getAddress(), await weth.getAddress()), created.blockNumber,
    'CREATE2 in createPair');

  // The launcher's tokens: one by CREATE, one by CREATE2 at the address computed in advance.
  const launcher = await deploy('TokenLauncher');
  const launched = await mined(launcher.launch('Alpha', 'ALP', 10n ** 24n), 'launch');
  record('LaunchedToken', 'LaunchedToken', await launcher.tokens(0), launched.blockNumber, 'CREATE in launch');
  const salt = ethers.id('beta');
  const product = build.LaunchedToken;
  const init = ethers.concat([`0x${product.bytecode}`,
    ethers.AbiCoder.defaultAbiCoder().encode(['string', 'string', 'uint256', 'address'], ['Beta', 'BET', 10n ** 24n, await signer.getAddress()])]);
  const predicted = ethers.getCreate2Address(await launcher.getAddress(),
    ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['address', 'bytes32'], [await signer.getAddress(), salt])), ethers.keccak256(init));
  const salted = await mined(launcher.launchSalted('Beta', 'BET', 10n ** 24n, salt), 'launchSalted');
  assert.equal(await launcher.tokens(1), predicted, 'CREATE2 put the token where it was predicted');
  record('LaunchedToken (CREATE2)', 'LaunchedToken', predicted, salted.blockNumber, 'CREATE2 in launchSalted');

  for (const [key, d] of deployed) assert.notEqual(await provider.getCode(d.address), '0x', `${key} has code`);
});

test('no deployed code shares a skeleton with the training corpus, and the node classes as the model does', async () => {
  need(deployed.get('LaunchedToken (CREATE2)'), 'the deployments');
  const dir = mkdtempSync(join(tmpdir(), 'moe-live-'));
  try {
    const rows = ['family,label,group,compiler,optimizer_runs,name,bytecode'];
    const keys = [...deployed.keys()];
    for (const key of keys) {
      const d = deployed.get(key);
      rows.push(`devnet,${d.label},${key},chain,0,${key.replace(/[ ,]/g, '_')},${(await provider.getCode(d.address)).slice(2)}`);
    }
    writeFileSync(join(dir, 'deployed.csv'), rows.join('\n') + '\n');
    const out = execFileSync(MOED, ['moe', 'eval', '--task', 'contract', '--data', join(SHARED, 'data'),
      '--model', join(ROOT, 'chain-config/models/contract.moe'),
      '--templates', join(ROOT, 'chain-config/corpus/contract_templates.csv.gz'), '--live', join(dir, 'deployed.csv')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /^live_in_corpus=0$/m, `a deployed contract shares a skeleton with the corpus:\n${out}`);
    // Each live row prints "  FILE:ROW NAME LABEL -> PREDICTED": the node must have stored PREDICTED.
    for (let i = 0; i < keys.length; ++i) {
      const line = out.split('\n').find((l) => l.includes(`deployed.csv:${i + 2} `));
      assert.ok(line, `eval printed no line for ${keys[i]}`);
      const predicted = line.split('->')[1].trim().split(/\s+/)[0];
      const stored = await rpc('moe_getContractClass', [deployed.get(keys[i]).address]);
      assert.equal(stored.class, predicted, `${keys[i]}: the node stored ${stored.class}, the model says ${predicted}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The classes, one test each, so a failure names the contract. `how` says who created it.
// A `todo` is a class the shipped model still gets wrong: it runs and reports, and does not fail
// the file (README, "Fraud screening and contract classification", says which and why).
const TODO = {
  TeamVault: 'the model calls this propose/approve/execute multisig `other`: no training wallet answers its selectors or emits its events',
};
const EXPECTED = [
  ['WETH9', 'erc20'],
  ['UniswapV2Factory', 'factory'],
  ['UniswapV2Pair', 'dex'],
  ['UniswapV2Router02', 'dex'],
  ['LiveGovToken', 'erc20'],
  ['LiveCollection', 'erc721'],
  ['LiveItems', 'erc1155'],
  ['ProxyAdmin', 'other'],
  ['TeamVault', 'wallet'],
  ['TokenLauncher', 'factory'],
  ['LaunchedToken', 'erc20'],
  ['LaunchedToken (CREATE2)', 'erc20'],
];
for (const [key, want] of EXPECTED) {
  test(`${key} is classified ${want} in the block that creates it`, { todo: TODO[key] }, async () => {
    const c = await classOf(key);
    assert.equal(c.class, want, `${key} (${deployed.get(key).how}): ${JSON.stringify(c)}`);
    assert.ok(c.confidence > 0 && c.confidence <= 10000);
    assert.equal(c.implementation, undefined, `${key} is no proxy: ${JSON.stringify(c)}`);
  });
}

test('the ERC1967Proxy is a proxy and reports its implementation, an erc20', async () => {
  const c = await classOf('ERC1967Proxy');
  assert.equal(c.class, 'proxy', JSON.stringify(c));
  assert.equal(ethers.getAddress(c.implementation), deployed.get('LiveGovToken').address);
  assert.equal(c.implementationClass, 'erc20');
});

test('the TransparentUpgradeableProxy is a proxy and reports its implementation, an erc721', async () => {
  const c = await classOf('TransparentUpgradeableProxy');
  assert.equal(c.class, 'proxy', JSON.stringify(c));
  assert.equal(ethers.getAddress(c.implementation), deployed.get('LiveCollection').address);
  assert.equal(c.implementationClass, 'erc721');
});

test('an upgrade through the ProxyAdmin moves the proxy to its new implementation from that block on', async () => {
  const proxy = need(deployed.get('TransparentUpgradeableProxy'), 'the proxy').address;
  const admin = new ethers.Contract(need(deployed.get('ProxyAdmin'), 'the ProxyAdmin').address, build.ProxyAdmin.abi, signer);
  const before = await provider.getBlockNumber();
  const upgraded = await mined(admin.upgradeAndCall(proxy, deployed.get('LiveGovToken').address, '0x'), 'upgradeAndCall');
  const now = await rpc('moe_getContractClass', [proxy, ethers.toQuantity(upgraded.blockNumber)]);
  assert.equal(now.class, 'proxy');
  assert.equal(ethers.getAddress(now.implementation), deployed.get('LiveGovToken').address);
  assert.equal(now.implementationClass, 'erc20');
  // Read at the block asked: before the upgrade it was the collection.
  const then = await rpc('moe_getContractClass', [proxy, ethers.toQuantity(before)]);
  assert.equal(ethers.getAddress(then.implementation), deployed.get('LiveCollection').address);
  assert.equal(then.implementationClass, 'erc721');
});

test('every contract of the live set was deployed here', () => {
  const names = new Set([...deployed.keys()].map((k) => k.replace(' (CREATE2)', '')));
  for (const [name] of LIVE_CONTRACTS) assert.ok(names.has(name), `${name} of the live set is not deployed by this test`);
});
