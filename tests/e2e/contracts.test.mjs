// Solidity contracts on a real devnet through ethers.js, as a dapp developer uses them: deployment,
// eth_call, events in receipts, eth_getLogs and WebSocket `logs` subscriptions, revert reasons,
// eth_createAccessList and eth_getStorageAt. The contracts are written below and compiled with
// the solc-js pinned in package-lock.json (0.8.28, optimizer on, Cancun).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { connect, shutdown, startDevnet, TEST_KEYS } from './lib/devnet.mjs';
import { compileSolidity, storageSlot, SOLC_VERSION, EVM_VERSION } from './lib/solidity.mjs';
import {
  WAIT_MS, nodeMessage, need, within, succeeds, mined, minedReverted, assertRevert, assertCallException,
} from './lib/assertions.mjs';

// A minimal ERC-20. Storage layout (checked against solc's below): name 0, symbol 1,
// totalSupply 2, balanceOf 3, allowance 4; decimals is a constant and takes no slot.
const ERC20_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract MoeToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        name = name_;
        symbol = symbol_;
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "ERC20: insufficient allowance");
        if (allowed != type(uint256).max) {
            unchecked { allowance[from][msg.sender] = allowed - value; }
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) private {
        require(to != address(0), "ERC20: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= value, "ERC20: insufficient balance");
        unchecked {
            balanceOf[from] = balance - value;
            balanceOf[to] += value;  // cannot overflow: every balance is part of totalSupply
        }
        emit Transfer(from, to, value);
    }
}
`;

// A minimal ERC-721: the contract's owner mints; safeTransferFrom asks a contract recipient
// for onERC721Received.
const ERC721_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external returns (bytes4);
}

contract MoeNFT {
    string public name;
    string public symbol;
    address public owner;
    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
        owner = msg.sender;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 || interfaceId == 0x80ac58cd;  // ERC-165, ERC-721
    }

    function balanceOf(address account) external view returns (uint256) {
        require(account != address(0), "ERC721: balance query for the zero address");
        return _balances[account];
    }

    function ownerOf(uint256 tokenId) public view returns (address tokenOwner) {
        tokenOwner = _owners[tokenId];
        require(tokenOwner != address(0), "ERC721: nonexistent token");
    }

    function mint(address to, uint256 tokenId) external {
        require(msg.sender == owner, "ERC721: caller is not the owner");
        require(to != address(0), "ERC721: mint to the zero address");
        require(_owners[tokenId] == address(0), "ERC721: token already minted");
        _balances[to] += 1;
        _owners[tokenId] = to;
        emit Transfer(address(0), to, tokenId);
    }

    function approve(address to, uint256 tokenId) external {
        address tokenOwner = ownerOf(tokenId);
        require(msg.sender == tokenOwner || isApprovedForAll[tokenOwner][msg.sender],
                "ERC721: caller is not token owner or approved for all");
        getApproved[tokenId] = to;
        emit Approval(tokenOwner, to, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        address tokenOwner = ownerOf(tokenId);
        require(tokenOwner == from, "ERC721: transfer from incorrect owner");
        require(msg.sender == tokenOwner || getApproved[tokenId] == msg.sender
                    || isApprovedForAll[tokenOwner][msg.sender],
                "ERC721: caller is not token owner or approved");
        require(to != address(0), "ERC721: transfer to the zero address");
        delete getApproved[tokenId];
        unchecked {
            _balances[from] -= 1;
            _balances[to] += 1;
        }
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        if (to.code.length > 0) {
            require(IERC721Receiver(to).onERC721Received(msg.sender, from, tokenId, data)
                        == IERC721Receiver.onERC721Received.selector,
                    "ERC721: transfer to non ERC721Receiver implementer");
        }
    }
}
`;

const TRANSFER_TOPIC = ethers.id('Transfer(address,address,uint256)');
const SUPPLY = ethers.parseUnits('1000000', 18);
const coder = ethers.AbiCoder.defaultAbiCoder();

let compiledOnce;
/// Compiled once per run, shared by the compile test and the devnet tests.
function compiled() {
  compiledOnce ??= compileSolidity({ 'MoeToken.sol': ERC20_SOURCE, 'MoeNFT.sol': ERC721_SOURCE });
  return compiledOnce;
}

/// The revert data of `Error(reason)`, as a node returns it in a JSON-RPC error's `data`.
function errorData(reason) {
  return ethers.concat(['0x08c379a0', coder.encode(['string'], [reason])]);
}

/// Whether a 2048-bit logs bloom has the three bits of `value` (an address or a topic) set.
function bloomContains(bloom, value) {
  const bits = ethers.getBytes(bloom);
  assert.equal(bits.length, 256, 'a logs bloom is 256 bytes');
  const hash = ethers.getBytes(ethers.keccak256(value));
  for (let i = 0; i < 6; i += 2) {
    const bit = ((hash[i] << 8) | hash[i + 1]) & 2047;
    if ((bits[255 - (bit >> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/// The storage slot of `mapping(address => ...)` at slot `index`, for `key`.
function mappingSlot(key, index) {
  return ethers.keccak256(coder.encode(['address', 'uint256'], [key, index]));
}

/// Deploys a compiled contract; a refusal fails with the node's own message.
async function deploy(name, signer, ...args) {
  const { abi, bytecode } = compiled().contracts[name];
  const factory = new ethers.ContractFactory(abi, bytecode, signer);
  let contract;
  try {
    contract = await factory.deploy(...args);
  } catch (e) {
    assert.fail(`deploying ${name} was refused: ${nodeMessage(e)}`);
  }
  const receipt = await contract.deploymentTransaction().wait(1, WAIT_MS);
  return { contract, receipt };
}

test(`the ERC-20 and the ERC-721 compile with solc ${SOLC_VERSION} for ${EVM_VERSION} without errors`, () => {
  assert.match(SOLC_VERSION, /^0\.8\.28\+/);
  const { contracts, warnings } = compiled();
  if (warnings.length > 0) console.error(warnings.join('\n'));
  for (const name of ['MoeToken', 'MoeNFT']) {
    assert.ok(contracts[name], `${name} was compiled`);
    assert.match(contracts[name].bytecode, /^0x(?:[0-9a-f]{2})+$/);
    assert.match(contracts[name].deployedBytecode, /^0x(?:[0-9a-f]{2})+$/);
  }
  const token = contracts.MoeToken;
  assert.equal(storageSlot(token, 'totalSupply'), 2n);
  assert.equal(storageSlot(token, 'balanceOf'), 3n);
  assert.equal(storageSlot(token, 'allowance'), 4n);
  const iface = new ethers.Interface(token.abi);
  assert.equal(iface.getEvent('Transfer').topicHash, TRANSFER_TOPIC);
  assert.equal(new ethers.Interface(contracts.MoeNFT.abi).getEvent('Transfer').topicHash, TRANSFER_TOPIC);
});

describe('contracts on a devnet', { timeout: 600_000 }, () => {
  let devnet;
  let provider;
  let wallets;  // TEST_KEYS[0..2] connected to the HTTP provider
  let addr;     // their addresses
  const s = {}; // what earlier tests produced: token, nft, their deploy receipts, ...

  before(async () => {
    compiled();  // a compiler error fails here, before a node is started
    devnet = await startDevnet();
    provider = connect(devnet);
    wallets = TEST_KEYS.slice(0, 3).map((k) => new ethers.Wallet(k, provider));
    addr = wallets.map((w) => w.address);
  });

  after(() => shutdown(devnet, provider));

  test('the ERC-20 deploys from the first test account and its code is solc\'s runtime bytecode', async () => {
    const deployer = wallets[0];
    const nonce = await provider.getTransactionCount(deployer.address);
    const { contract: token, receipt } = await deploy('MoeToken', deployer, 'Moe Token', 'MOE', SUPPLY);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.to, null);
    assert.equal(receipt.from, deployer.address);
    const address = await token.getAddress();
    assert.equal(receipt.contractAddress, address);
    assert.equal(address, ethers.getCreateAddress({ from: deployer.address, nonce }));
    assert.equal(await provider.getCode(address), compiled().contracts.MoeToken.deployedBytecode);
    assert.equal(await provider.getCode(address, receipt.blockNumber - 1), '0x');
    assert.equal(await provider.getTransactionCount(deployer.address), nonce + 1);
    const tx = await provider.getTransaction(receipt.hash);
    assert.equal(tx.to, null);
    assert.equal(tx.data, await new ethers.ContractFactory(token.interface, compiled().contracts.MoeToken.bytecode)
      .getDeployTransaction('Moe Token', 'MOE', SUPPLY).then((t) => t.data));

    // The constructor's values, read back through eth_call.
    assert.equal(await token.name(), 'Moe Token');
    assert.equal(await token.symbol(), 'MOE');
    assert.equal(await token.decimals(), 18n);
    assert.equal(await token.totalSupply(), SUPPLY);
    assert.equal(await token.balanceOf(deployer.address), SUPPLY);
    assert.equal(await token.balanceOf(addr[1]), 0n);

    // The mint event of the constructor.
    assert.equal(receipt.logs.length, 1);
    const mint = token.interface.parseLog(receipt.logs[0]);
    assert.equal(mint.name, 'Transfer');
    assert.equal(mint.args.from, ethers.ZeroAddress);
    assert.equal(mint.args.to, deployer.address);
    assert.equal(mint.args.value, SUPPLY);
    assert.equal(receipt.logs[0].address, address);
    Object.assign(s, { token, tokenAddress: address, tokenDeploy: receipt });
  });

  test('the ERC-721 deploys and answers supportsInterface for ERC-165 and ERC-721', async () => {
    const { contract: nft, receipt } = await deploy('MoeNFT', wallets[0], 'Moe NFT', 'MNFT');
    assert.equal(receipt.status, 1);
    const address = await nft.getAddress();
    assert.equal(receipt.contractAddress, address);
    assert.equal(await provider.getCode(address), compiled().contracts.MoeNFT.deployedBytecode);
    assert.equal(receipt.logs.length, 0);
    assert.equal(await nft.owner(), addr[0]);
    assert.equal(await nft.name(), 'Moe NFT');
    assert.equal(await nft.supportsInterface('0x80ac58cd'), true);
    assert.equal(await nft.supportsInterface('0x01ffc9a7'), true);
    assert.equal(await nft.supportsInterface('0xffffffff'), false);
    Object.assign(s, { nft, nftAddress: address });
  });

  test('a token transfer: balances through eth_call, Transfer in the receipt, eth_getLogs and queryFilter', async () => {
    const token = need(s.token, 'the ERC-20');
    const address = s.tokenAddress;
    const value = ethers.parseUnits('250', 18);
    const [before0, before1] = [await token.balanceOf(addr[0]), await token.balanceOf(addr[1])];
    const estimate = await succeeds(token.transfer.estimateGas(addr[1], value), 'estimateGas of a transfer');
    assert.ok(estimate > 21000n, `estimate ${estimate}`);

    const receipt = await mined(token.transfer(addr[1], value), 'the transfer');
    assert.equal(receipt.status, 1);
    assert.equal(receipt.to, address);
    assert.ok(receipt.gasUsed > 21000n && receipt.gasUsed <= estimate, `gasUsed ${receipt.gasUsed}, estimate ${estimate}`);

    assert.equal(await token.balanceOf(addr[0]), before0 - value);
    assert.equal(await token.balanceOf(addr[1]), before1 + value);
    // eth_call at the block before sees the state before.
    const prev = { blockTag: receipt.blockNumber - 1 };
    assert.equal(await token.balanceOf(addr[0], prev), before0);
    assert.equal(await token.balanceOf(addr[1], prev), before1);
    assert.equal(await token.totalSupply(), SUPPLY);

    // The receipt's log.
    assert.equal(receipt.logs.length, 1);
    const log = receipt.logs[0];
    assert.equal(log.address, address);
    assert.deepEqual([...log.topics], [TRANSFER_TOPIC, ethers.zeroPadValue(addr[0], 32), ethers.zeroPadValue(addr[1], 32)]);
    assert.equal(log.data, ethers.toBeHex(value, 32));
    assert.equal(log.transactionHash, receipt.hash);
    assert.equal(log.blockNumber, receipt.blockNumber);
    assert.equal(log.blockHash, receipt.blockHash);
    assert.equal(log.transactionIndex, receipt.index);
    const parsed = token.interface.parseLog(log);
    assert.equal(parsed.name, 'Transfer');
    assert.equal(parsed.args.from, addr[0]);
    assert.equal(parsed.args.to, addr[1]);
    assert.equal(parsed.args.value, value);

    // The receipt's and the block's blooms have the address and every topic.
    const block = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false]);
    for (const bloom of [receipt.logsBloom, block.logsBloom]) {
      for (const item of [address, ...log.topics]) assert.ok(bloomContains(bloom, item), `bloom has ${item}`);
    }

    // eth_getLogs: address + [Transfer, from] in the receipt's block finds exactly that log.
    const range = { fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber };
    const logs = await provider.getLogs({ address, topics: [TRANSFER_TOPIC, ethers.zeroPadValue(addr[0], 32)], ...range });
    assert.equal(logs.length, 1);
    for (const k of ['address', 'data', 'blockNumber', 'blockHash', 'transactionHash', 'transactionIndex', 'index']) {  // ethers' receipt logs carry no 'removed'
      assert.deepEqual(logs[0][k], log[k], `eth_getLogs ${k}`);
    }
    assert.deepEqual([...logs[0].topics], [...log.topics]);
    assert.equal(logs[0].removed, false);
    // By block hash, with an OR of recipients, and a filter that matches nothing.
    assert.equal((await provider.getLogs({ address, blockHash: receipt.blockHash })).length, 1);
    const either = [ethers.zeroPadValue(addr[2], 32), ethers.zeroPadValue(addr[1], 32)];
    assert.equal((await provider.getLogs({ address, topics: [TRANSFER_TOPIC, null, either], ...range })).length, 1);
    assert.equal((await provider.getLogs({ address, topics: [TRANSFER_TOPIC, ethers.zeroPadValue(addr[1], 32)], ...range })).length, 0);
    assert.equal((await provider.getLogs({ address: addr[2], ...range })).length, 0);

    // queryFilter (eth_getLogs underneath) decodes the event.
    const events = await token.queryFilter(token.filters.Transfer(addr[0], addr[1]), receipt.blockNumber, receipt.blockNumber);
    assert.equal(events.length, 1);
    assert.ok(events[0] instanceof ethers.EventLog);
    assert.equal(events[0].eventName, 'Transfer');
    assert.equal(events[0].transactionHash, receipt.hash);
    assert.equal(events[0].args.value, value);
    // Over the whole chain, the only Transfer from the zero address is the constructor's mint.
    const mints = await token.queryFilter(token.filters.Transfer(ethers.ZeroAddress), 0, 'latest');
    assert.equal(mints.length, 1);
    assert.equal(mints[0].transactionHash, need(s.tokenDeploy, 'the deploy receipt').hash);
    assert.equal(mints[0].args.value, SUPPLY);
    s.transferReceipt = receipt;
  });

  test('approve, allowance and transferFrom, with their events', async () => {
    const token = need(s.token, 'the ERC-20');
    const spender = token.connect(wallets[2]);
    const receipt = await mined(token.approve(addr[2], 100n), 'approve');
    assert.equal(receipt.status, 1);
    const approval = token.interface.parseLog(receipt.logs[0]);
    assert.equal(approval.name, 'Approval');
    assert.deepEqual([approval.args.owner, approval.args.spender, approval.args.value], [addr[0], addr[2], 100n]);
    assert.equal(await token.allowance(addr[0], addr[2]), 100n);

    const [before0, before1] = [await token.balanceOf(addr[0]), await token.balanceOf(addr[1])];
    const r2 = await mined(spender.transferFrom(addr[0], addr[1], 60n), 'transferFrom');
    assert.equal(r2.status, 1);
    assert.equal(r2.from, addr[2]);
    const moved = token.interface.parseLog(r2.logs[0]);
    assert.deepEqual([moved.name, moved.args.from, moved.args.to, moved.args.value], ['Transfer', addr[0], addr[1], 60n]);
    assert.equal(await token.allowance(addr[0], addr[2]), 40n);
    assert.equal(await token.balanceOf(addr[0]), before0 - 60n);
    assert.equal(await token.balanceOf(addr[1]), before1 + 60n);
    await assertRevert(spender.transferFrom.staticCall(addr[0], addr[1], 41n), 'ERC20: insufficient allowance', 'transferFrom over the allowance');
  });

  test('an over-transfer reverts with "ERC20: insufficient balance" in estimateGas, eth_call and a mined transaction', async () => {
    const token = need(s.token, 'the ERC-20').connect(wallets[1]);
    const reason = 'ERC20: insufficient balance';
    const balance = await token.balanceOf(addr[1]);
    assert.ok(balance > 0n);
    const over = balance + 1n;

    await assertRevert(token.transfer.estimateGas(addr[2], over), reason, 'estimateGas');
    await assertRevert(token.transfer.staticCall(addr[2], over), reason, 'staticCall');
    // A wallet's sendTransaction estimates first, so it is refused before anything is signed.
    await assertRevert(token.transfer(addr[2], over), reason, 'sendTransaction');

    // The raw JSON-RPC error is geth's: code 3, "execution reverted: <reason>", data = Error(reason).
    const data = token.interface.encodeFunctionData('transfer', [addr[2], over]);
    for (const method of ['eth_call', 'eth_estimateGas']) {
      const params = method === 'eth_call' ? [{ from: addr[1], to: s.tokenAddress, data }, 'latest'] : [{ from: addr[1], to: s.tokenAddress, data }];
      await assert.rejects(provider.send(method, params), (e) => {
        const err = e.info?.error;
        assert.ok(err, `${method}: the JSON-RPC error is kept in e.info.error (${e.message})`);
        assert.equal(err.code, 3, `${method}: code`);
        assert.equal(err.message, `execution reverted: ${reason}`, `${method}: message`);
        assert.equal(err.data, errorData(reason), `${method}: data`);
        return true;
      }, `${method} of an over-transfer: expected a revert, but it succeeded`);
    }

    // Sent anyway with a gas limit, it is mined with status 0: no tokens move, no logs, the
    // nonce is used and the gas paid, and a REVERT leaves the unused gas to the sender.
    const [eth1, nonce1] = [await provider.getBalance(addr[1]), await provider.getTransactionCount(addr[1])];
    const [tok1, tok2] = [await token.balanceOf(addr[1]), await token.balanceOf(addr[2])];
    const { hash } = await minedReverted(token.transfer(addr[2], over, { gasLimit: 200_000n }), 'the over-transfer with a gas limit');
    const receipt = await provider.getTransactionReceipt(hash);
    assert.equal(receipt.status, 0);
    assert.equal(receipt.logs.length, 0);
    assert.ok(receipt.gasUsed > 21000n && receipt.gasUsed < 200_000n, `gasUsed ${receipt.gasUsed}`);
    assert.equal(await provider.getBalance(addr[1]), eth1 - receipt.gasUsed * receipt.gasPrice);
    assert.equal(await provider.getTransactionCount(addr[1]), nonce1 + 1);
    assert.equal(await token.balanceOf(addr[1]), tok1);
    assert.equal(await token.balanceOf(addr[2]), tok2);
  });

  test('eth_getStorageAt of the balanceOf mapping slot is the balance', async () => {
    const token = need(s.token, 'the ERC-20');
    const index = storageSlot(compiled().contracts.MoeToken, 'balanceOf');
    const nobody = ethers.Wallet.createRandom().address;
    for (const account of [...addr, nobody]) {
      const word = await provider.getStorage(s.tokenAddress, mappingSlot(account, index));
      assert.match(word, /^0x[0-9a-f]{64}$/);
      assert.equal(BigInt(word), await token.balanceOf(account), `balance slot of ${account}`);
    }
    assert.equal(BigInt(await provider.getStorage(s.tokenAddress, storageSlot(compiled().contracts.MoeToken, 'totalSupply'))), SUPPLY);
    // allowance[owner][spender]: the slot of the inner mapping is the outer mapping's slot.
    const allowanceIndex = storageSlot(compiled().contracts.MoeToken, 'allowance');
    const inner = BigInt(mappingSlot(addr[0], allowanceIndex));
    assert.equal(BigInt(await provider.getStorage(s.tokenAddress, mappingSlot(addr[2], inner))), await token.allowance(addr[0], addr[2]));
    // At the deploy block, the second account had nothing yet.
    const deployBlock = need(s.tokenDeploy, 'the deploy receipt').blockNumber;
    assert.equal(BigInt(await provider.getStorage(s.tokenAddress, mappingSlot(addr[1], index), deployBlock)), 0n);
    assert.equal(BigInt(await provider.getStorage(s.tokenAddress, mappingSlot(addr[0], index), deployBlock)), SUPPLY);
  });

  test('eth_createAccessList for a token transfer lists the token with its balance slots, and the list can be sent', async () => {
    const token = need(s.token, 'the ERC-20');
    const index = storageSlot(compiled().contracts.MoeToken, 'balanceOf');
    const data = token.interface.encodeFunctionData('transfer', [addr[1], 1n]);
    const result = await succeeds(provider.send('eth_createAccessList', [{ from: addr[0], to: s.tokenAddress, data }, 'latest']), 'eth_createAccessList');
    assert.equal(result.error, undefined, `eth_createAccessList reported ${result.error}`);
    assert.match(result.gasUsed, /^0x(?:0|[1-9a-f][0-9a-f]*)$/, 'gasUsed is a quantity');
    assert.ok(BigInt(result.gasUsed) > 21000n);
    assert.ok(Array.isArray(result.accessList));
    const entry = result.accessList.find((e) => e.address.toLowerCase() === s.tokenAddress.toLowerCase());
    assert.ok(entry, `the token is in ${JSON.stringify(result.accessList)}`);
    assert.ok(entry.storageKeys.length >= 1);
    for (const key of entry.storageKeys) assert.match(key, /^0x[0-9a-f]{64}$/);
    const keys = entry.storageKeys.map((k) => k.toLowerCase());
    assert.ok(keys.includes(mappingSlot(addr[0], index)), 'the sender\'s balance slot');
    assert.ok(keys.includes(mappingSlot(addr[1], index)), 'the recipient\'s balance slot');

    // Sent with that list, the transaction uses the gas eth_createAccessList said.
    const receipt = await mined(token.transfer(addr[1], 1n, { accessList: result.accessList }), 'the transfer with the access list');
    assert.equal(receipt.status, 1);
    assert.equal(receipt.gasUsed, BigInt(result.gasUsed));
    const sent = await provider.getTransaction(receipt.hash);
    assert.equal(sent.accessList.length, result.accessList.length);
    assert.equal(sent.accessList.find((e) => e.address === s.tokenAddress)?.storageKeys.length, entry.storageKeys.length);
  });

  test('a WebSocket logs subscription receives the Transfer of a transfer sent after subscribing', async () => {
    const token = need(s.token, 'the ERC-20');
    const address = s.tokenAddress;
    const recipient = ethers.Wallet.createRandom().address;  // no earlier log can match it
    const ws = new ethers.WebSocketProvider(devnet.wsUrl);
    try {
      let fromContract;
      const viaContract = new Promise((resolve) => { fromContract = resolve; });
      let fromFilter;
      const viaFilter = new Promise((resolve) => { fromFilter = resolve; });
      const wsToken = new ethers.Contract(address, token.interface, ws);
      await wsToken.on('Transfer', (from, to, value, event) => {
        if (to === recipient) fromContract({ from, to, value, log: event.log });
      });
      await ws.on({ address, topics: [TRANSFER_TOPIC, null, ethers.zeroPadValue(recipient, 32)] }, (log) => fromFilter(log));
      await ws.getBlockNumber();  // the subscriptions went out on this socket before this answer came back

      const value = 7n;
      const receipt = await mined(token.transfer(recipient, value), 'the transfer to watch');
      assert.equal(receipt.status, 1);
      const [got, raw] = await within(Promise.all([viaContract, viaFilter]), 20_000, 'the Transfer log over the WebSocket');
      assert.equal(got.from, addr[0]);
      assert.equal(got.to, recipient);
      assert.equal(got.value, value);
      for (const log of [got.log, raw]) {
        assert.equal(log.address, address);
        assert.equal(log.transactionHash, receipt.hash);
        assert.equal(log.blockNumber, receipt.blockNumber);
        assert.equal(log.blockHash, receipt.blockHash);
        assert.equal(log.index, receipt.logs[0].index);
        assert.equal(log.data, ethers.toBeHex(value, 32));
        assert.deepEqual([...log.topics], [...receipt.logs[0].topics]);
        assert.equal(log.removed, false);
      }
    } finally {
      await ws.destroy();
    }
  });

  test('ERC-721: mint, ownerOf, transferFrom with an indexed tokenId, and reverts for tokens one does not own', async () => {
    const nft = need(s.nft, 'the ERC-721');
    const address = s.nftAddress;
    const tokenTopic = (id) => ethers.toBeHex(id, 32);

    // Only the owner mints.
    await assertRevert(nft.connect(wallets[1]).mint.staticCall(addr[1], 3n), 'ERC721: caller is not the owner', 'mint by another');
    const m1 = await mined(nft.mint(addr[0], 1n), 'mint 1');
    const m2 = await mined(nft.mint(addr[0], 2n), 'mint 2');
    assert.equal(m1.status, 1);
    assert.equal(m2.status, 1);
    assert.equal(m1.logs.length, 1);
    assert.deepEqual([...m1.logs[0].topics], [TRANSFER_TOPIC, ethers.ZeroHash, ethers.zeroPadValue(addr[0], 32), tokenTopic(1n)]);
    assert.equal(m1.logs[0].data, '0x');
    assert.equal(await nft.ownerOf(1n), addr[0]);
    assert.equal(await nft.balanceOf(addr[0]), 2n);
    await assertRevert(nft.mint.staticCall(addr[1], 1n), 'ERC721: token already minted', 'minting a minted token');
    await assertRevert(nft.ownerOf(999n), 'ERC721: nonexistent token', 'ownerOf an unminted token');

    // transferFrom by the owner.
    const r = await mined(nft.transferFrom(addr[0], addr[1], 1n), 'transferFrom of token 1');
    assert.equal(r.status, 1);
    assert.equal(r.logs.length, 1);
    assert.equal(r.logs[0].address, address);
    assert.deepEqual([...r.logs[0].topics], [TRANSFER_TOPIC, ethers.zeroPadValue(addr[0], 32), ethers.zeroPadValue(addr[1], 32), tokenTopic(1n)]);
    const parsed = nft.interface.parseLog(r.logs[0]);
    assert.equal(parsed.name, 'Transfer');
    assert.deepEqual([parsed.args.from, parsed.args.to, parsed.args.tokenId], [addr[0], addr[1], 1n]);
    assert.equal(await nft.ownerOf(1n), addr[1]);
    assert.equal(await nft.balanceOf(addr[0]), 1n);
    assert.equal(await nft.balanceOf(addr[1]), 1n);

    // The token's history by its indexed id: the mint and the transfer.
    const history = await provider.getLogs({ address, topics: [TRANSFER_TOPIC, null, null, tokenTopic(1n)], fromBlock: m1.blockNumber, toBlock: r.blockNumber });
    assert.deepEqual(history.map((l) => l.transactionHash), [m1.hash, r.hash]);
    const events = await nft.queryFilter(nft.filters.Transfer(null, null, 1n), 0, 'latest');
    assert.deepEqual(events.map((e) => e.args.tokenId), [1n, 1n]);
    // The ERC-20 and the ERC-721 share the Transfer topic: without an address both come back.
    const all = await provider.getLogs({ topics: [TRANSFER_TOPIC], fromBlock: 0, toBlock: r.blockNumber });
    const emitters = new Set(all.map((l) => l.address));
    assert.ok(emitters.has(address) && emitters.has(need(s.tokenAddress, 'the ERC-20')), [...emitters].join(' '));

    // Tokens one does not own.
    await assertRevert(nft.transferFrom.staticCall(addr[0], addr[2], 1n), 'ERC721: transfer from incorrect owner', 'the former owner');
    await assertRevert(nft.connect(wallets[2]).transferFrom.staticCall(addr[1], addr[2], 1n),
      'ERC721: caller is not token owner or approved', 'a stranger');
    await assertRevert(nft.connect(wallets[2]).transferFrom.estimateGas(addr[1], addr[2], 1n),
      'ERC721: caller is not token owner or approved', 'a stranger (estimateGas)');
    assert.equal(await nft.ownerOf(1n), addr[1]);

    // safeTransferFrom: to an account without code it is a transfer; to a contract without
    // onERC721Received (the ERC-20) the call into it reverts and so does the transfer.
    const safe = 'safeTransferFrom(address,address,uint256)';
    const r3 = await mined(nft[safe](addr[0], addr[1], 2n), 'safeTransferFrom of token 2');
    assert.equal(r3.status, 1);
    assert.equal(await nft.ownerOf(2n), addr[1]);
    await assertCallException(nft.connect(wallets[1])[safe].staticCall(addr[1], s.tokenAddress, 2n), 'safeTransferFrom to the ERC-20');
    assert.equal(await nft.ownerOf(2n), addr[1]);
  });
});
