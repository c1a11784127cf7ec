// Contracts on a real devnet, as a Solidity developer meets them: solc-js compiles an ERC-20
// and an ERC-721 written here, ethers deploys and uses them, events come back from receipts,
// eth_getLogs and a WebSocket subscription, and reverts carry their reasons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import solc from 'solc';
import { startDevnet, TEST_KEYS } from './lib/devnet.mjs';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Token {
    string public name = "Moe Token";
    string public symbol = "MOE";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;                       // slot 3
    mapping(address => mapping(address => uint256)) public allowance;  // slot 4

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint256 supply) {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        require(allowance[from][msg.sender] >= value, "ERC20: insufficient allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(to != address(0), "ERC20: transfer to the zero address");
        require(balanceOf[from] >= value, "ERC20: insufficient balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

contract Collectible {
    address public immutable minter;
    mapping(uint256 => address) public ownerOf_;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    constructor() { minter = msg.sender; }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x80ac58cd || id == 0x01ffc9a7;
    }

    function ownerOf(uint256 tokenId) external view returns (address) {
        address owner = ownerOf_[tokenId];
        require(owner != address(0), "ERC721: invalid token ID");
        return owner;
    }

    function mint(address to, uint256 tokenId) external {
        require(msg.sender == minter, "ERC721: only the minter mints");
        require(ownerOf_[tokenId] == address(0), "ERC721: token already minted");
        ownerOf_[tokenId] = to;
        balanceOf[to] += 1;
        emit Transfer(address(0), to, tokenId);
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        require(ownerOf_[tokenId] == from, "ERC721: transfer from incorrect owner");
        require(msg.sender == from, "ERC721: caller is not token owner");
        require(to != address(0), "ERC721: transfer to the zero address");
        ownerOf_[tokenId] = to;
        balanceOf[from] -= 1;
        balanceOf[to] += 1;
        emit Transfer(from, to, tokenId);
    }
}

contract Recursor {
    uint256 public deepest;
    function down(uint256 n) external returns (uint256) {
        if (n > deepest) deepest = n;
        return this.down(n + 1);
    }
}
`;

function compile() {
  const input = {
    language: 'Solidity',
    sources: { 'contracts.sol': { content: SOURCE } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  assert.deepEqual(errors, [], 'solc reported errors');
  return out.contracts['contracts.sol'];
}

let devnet;
let provider;
let owner;
let other;
let artifacts;
let token;
let nft;

before(async () => {
  artifacts = compile();
  devnet = await startDevnet();
  provider = new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, pollingInterval: 200 });
  owner = new ethers.NonceManager(new ethers.Wallet(TEST_KEYS[0], provider));
  other = new ethers.Wallet(TEST_KEYS[1], provider);
});

after(async () => {
  provider?.destroy();
  const how = await devnet?.stop();
  if (process.env.MOE_E2E_LOG) console.error(devnet?.log());
  devnet?.remove();
  assert.equal(how?.code, 0, `moed did not stop cleanly: ${JSON.stringify(how)}`);
});

async function deploy(name, ...args) {
  const a = artifacts[name];
  const factory = new ethers.ContractFactory(a.abi, a.evm.bytecode.object, owner);
  const contract = await factory.deploy(...args);
  const receipt = await contract.deploymentTransaction().wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(receipt.contractAddress, await contract.getAddress());
  return contract;
}

test('an ERC-20 deploys and its runtime code is what solc produced', async () => {
  token = await deploy('Token', 1_000_000n);
  const code = await provider.getCode(await token.getAddress());
  assert.equal(code, '0x' + artifacts.Token.evm.deployedBytecode.object);
  assert.equal(await token.name(), 'Moe Token');
  assert.equal(await token.totalSupply(), 1_000_000n);
});

test('a token transfer moves balances, read back through eth_call, and logs Transfer', async () => {
  const from = await owner.getAddress();
  const tx = await token.transfer(other.address, 250n);
  const receipt = await tx.wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(await token.balanceOf(from), 1_000_000n - 250n);
  assert.equal(await token.balanceOf(other.address), 250n);

  const events = receipt.logs.map((l) => token.interface.parseLog(l)).filter((e) => e?.name === 'Transfer');
  assert.equal(events.length, 1);
  assert.equal(events[0].args.from, from);
  assert.equal(events[0].args.to, other.address);
  assert.equal(events[0].args.value, 250n);

  const topic = token.interface.getEvent('Transfer').topicHash;
  const logs = await provider.getLogs({
    address: await token.getAddress(),
    topics: [topic, ethers.zeroPadValue(from, 32)],
    fromBlock: receipt.blockNumber,
    toBlock: receipt.blockNumber,
  });
  assert.equal(logs.length, 1);
  assert.equal(logs[0].transactionHash, receipt.hash);
  assert.equal(logs[0].blockNumber, receipt.blockNumber);

  const all = await token.queryFilter(token.filters.Transfer(null, other.address), 0, 'latest');
  assert.equal(all.length, 1);

  // The mapping slot of balanceOf[other] holds the balance (slot 3 of the layout).
  const slot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [other.address, 3]));
  assert.equal(BigInt(await provider.getStorage(await token.getAddress(), slot)), 250n);
});

test('a transfer over the balance reverts and ethers shows the reason', async () => {
  const poor = token.connect(other);
  await assert.rejects(poor.transfer.estimateGas(await owner.getAddress(), 10_000n), (e) => {
    assert.equal(e.code, 'CALL_EXCEPTION');
    assert.equal(e.reason, 'ERC20: insufficient balance');
    return true;
  });
  await assert.rejects(poor.transfer.staticCall(await owner.getAddress(), 10_000n), (e) => {
    assert.equal(e.reason, 'ERC20: insufficient balance');
    return true;
  });
  assert.equal(await token.balanceOf(other.address), 250n);
});

test('transferFrom needs an allowance', async () => {
  const spender = token.connect(other);
  await assert.rejects(spender.transferFrom.staticCall(await owner.getAddress(), other.address, 1n), (e) => {
    assert.equal(e.reason, 'ERC20: insufficient allowance');
    return true;
  });
  await (await token.approve(other.address, 100n)).wait(1, 30_000);
  await (await spender.transferFrom(await owner.getAddress(), other.address, 60n)).wait(1, 30_000);
  assert.equal(await token.allowance(await owner.getAddress(), other.address), 40n);
  assert.equal(await token.balanceOf(other.address), 310n);
});

test('an ERC-721 mints, transfers and refuses a stranger', async () => {
  nft = await deploy('Collectible');
  assert.equal(await nft.supportsInterface('0x80ac58cd'), true);
  const me = await owner.getAddress();
  const mint = await (await nft.mint(me, 7n)).wait(1, 30_000);
  const minted = nft.interface.parseLog(mint.logs[0]);
  assert.equal(minted.name, 'Transfer');
  assert.equal(minted.args.tokenId, 7n);
  assert.equal(await nft.ownerOf(7n), me);

  const moved = await (await nft.transferFrom(me, other.address, 7n)).wait(1, 30_000);
  assert.equal(await nft.ownerOf(7n), other.address);
  assert.equal(await nft.balanceOf(other.address), 1n);
  const logs = await nft.queryFilter(nft.filters.Transfer(null, null, 7n), moved.blockNumber, moved.blockNumber);
  assert.equal(logs.length, 1);
  assert.equal(logs[0].args.from, me);

  await assert.rejects(nft.transferFrom.staticCall(other.address, me, 7n), (e) => {
    assert.equal(e.reason, 'ERC721: caller is not token owner');
    return true;
  });
  await assert.rejects(nft.ownerOf(99n), (e) => e.reason === 'ERC721: invalid token ID');
});

test('a logs subscription over WebSocket receives a Transfer sent after it', async () => {
  const ws = new ethers.WebSocketProvider(devnet.wsUrl, undefined, { staticNetwork: true });
  try {
    const watched = token.connect(ws);
    const seen = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no Transfer log within 20 s')), 20_000);
      watched.on('Transfer', (from, to, value) => {
        if (value === 5n) {
          clearTimeout(timer);
          resolve({ from, to });
        }
      });
    });
    await new Promise((r) => setTimeout(r, 500));  // let the eth_subscribe land
    await (await token.transfer(other.address, 5n)).wait(1, 30_000);
    const got = await seen;
    assert.equal(got.to, other.address);
  } finally {
    await ws.destroy();
  }
});

test('eth_createAccessList lists the token and the slots a transfer touches', async () => {
  const data = token.interface.encodeFunctionData('transfer', [other.address, 1n]);
  const address = await token.getAddress();
  const result = await provider.send('eth_createAccessList', [
    { from: await owner.getAddress(), to: address, data }, 'latest',
  ]);
  const entry = result.accessList.find((e) => e.address.toLowerCase() === address.toLowerCase());
  assert.ok(entry, JSON.stringify(result));
  assert.ok(entry.storageKeys.length >= 2);
  assert.ok(BigInt(result.gasUsed) > 21000n);
});

test('runaway recursion, bad jumps and stack underflow end the call, and the node carries on', async () => {
  const recursor = await deploy('Recursor');
  await assert.rejects(recursor.down.staticCall(0n, { gasLimit: 30_000_000n }));
  const tx = await recursor.down(0n, { gasLimit: 5_000_000n });
  const receipt = await tx.wait(1, 30_000).catch((e) => e.receipt);
  assert.equal(receipt.status, 0);

  // Creation code that misbehaves, run through eth_call: an error each, never a crash.
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
