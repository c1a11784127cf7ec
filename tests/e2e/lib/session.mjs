// A developer's scripted session against any Ethereum JSON-RPC node: 30 dependent transactions
// (two deployments, token and counter calls, an approval spent by a second account, plain
// transfers), each sent after the previous receipt, through ethers with its default provider
// settings. The same session runs against moed and Anvil so that their wall times compare.
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { compileSolidity } from './solidity.mjs';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract SessionToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

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
        require(allowance[from][msg.sender] >= value, "allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

contract SessionCounter {
    uint256 public count;
    event Counted(address indexed by, uint256 count);

    function increment() external {
        count += 1;
        emit Counted(msg.sender, count);
    }

    function add(uint256 n) external {
        count += n;
        emit Counted(msg.sender, count);
    }
}
`;

let compiled;
function contracts() {
  compiled ??= compileSolidity({ 'Session.sol': SOURCE }).contracts;
  return compiled;
}

/// The number of transactions one session sends.
export const SESSION_TRANSACTIONS = 30;

/// A JSON-RPC provider with ethers' defaults (4 s polling, 250 ms cache, 10 ms batching) that
/// counts the receipt polls answered null: on a chain that mines at once, tx.wait() has its
/// receipt at its first poll and this stays 0.
class CountingProvider extends ethers.JsonRpcProvider {
  receiptMisses = 0;
  receiptPolls = 0;

  async _perform(req) {
    const result = await super._perform(req);
    if (req.method === 'getTransactionReceipt') {
      this.receiptPolls += 1;
      if (result == null) this.receiptMisses += 1;
    }
    return result;
  }
}

/// Runs the session against `url` with funded keys `ownerKey` and `spenderKey` (distinct
/// accounts). Checks every receipt and the state at the end. Returns { ms, receiptPolls,
/// receiptMisses, blocks } where ms is the wall time of the 30 transactions (compiling and
/// connecting excluded).
export async function runSession(url, ownerKey, spenderKey) {
  const { SessionToken, SessionCounter } = contracts();
  const provider = new CountingProvider(url);
  try {
    await provider.getNetwork();
    // ethers caches eth_getTransactionCount for 250 ms, so on a chain that mines at once a
    // wallet asking it again would reuse a nonce: the NonceManager counts locally, as scripts
    // against Anvil do.
    const owner = new ethers.NonceManager(new ethers.Wallet(ownerKey, provider));
    const spender = new ethers.NonceManager(new ethers.Wallet(spenderKey, provider));
    const ownerAddress = await owner.getAddress();
    const spenderAddress = await spender.getAddress();
    const recipients = Array.from({ length: 8 }, (_, i) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x5e55100 + i), 20)));
    const ethBefore = await Promise.all(recipients.map((r) => provider.getBalance(r)));
    const firstBlock = await provider.getBlockNumber();

    const receipts = [];
    const mined = async (pending) => {
      const tx = await pending;
      const receipt = await tx.wait();
      assert.equal(receipt.status, 1, `transaction ${receipts.length + 1} failed`);
      receipts.push(receipt);
      return receipt;
    };

    const started = performance.now();
    const tokenFactory = new ethers.ContractFactory(SessionToken.abi, SessionToken.bytecode, owner);
    const token = await tokenFactory.deploy(1_000_000n);
    await mined(token.deploymentTransaction());
    const counterFactory = new ethers.ContractFactory(SessionCounter.abi, SessionCounter.bytecode, owner);
    const counter = await counterFactory.deploy();
    await mined(counter.deploymentTransaction());
    for (let i = 0; i < 8; ++i) await mined(token.transfer(recipients[i], 100n + BigInt(i)));
    for (let i = 0; i < 5; ++i) await mined(counter.increment());
    await mined(token.approve(spenderAddress, 5_000n));
    await mined(token.connect(spender).transferFrom(ownerAddress, spenderAddress, 1_500n));
    for (let i = 0; i < 8; ++i) await mined(owner.sendTransaction({ to: recipients[i], value: 1_000n + BigInt(i) }));
    for (let i = 0; i < 3; ++i) await mined(counter.connect(spender).add(7n));
    await mined(token.connect(spender).transfer(recipients[0], 500n));
    await mined(token.transfer(recipients[1], 1n));
    const ms = performance.now() - started;

    assert.equal(receipts.length, SESSION_TRANSACTIONS);
    // Each transaction waited for the previous one's receipt: blocks never go backwards.
    for (let i = 1; i < receipts.length; ++i) assert.ok(receipts[i].blockNumber >= receipts[i - 1].blockNumber);
    assert.ok(receipts[0].blockNumber > firstBlock);
    assert.equal(receipts[0].contractAddress, await token.getAddress());

    // The state the session leaves.
    const t = token.connect(provider);
    assert.equal(await counter.connect(provider).count(), 5n + 21n);
    assert.equal(await t.balanceOf(recipients[0]), 100n + 500n);
    assert.equal(await t.balanceOf(recipients[1]), 101n + 1n);
    for (let i = 2; i < 8; ++i) assert.equal(await t.balanceOf(recipients[i]), 100n + BigInt(i));
    assert.equal(await t.balanceOf(spenderAddress), 1_500n - 500n);
    assert.equal(await t.allowance(ownerAddress, spenderAddress), 3_500n);
    const spentByOwner = 8n * 100n + 28n + 1_500n + 1n;
    assert.equal(await t.balanceOf(ownerAddress), 1_000_000n - spentByOwner);
    const ethAfter = await Promise.all(recipients.map((r) => provider.getBalance(r)));
    for (let i = 0; i < 8; ++i) assert.equal(ethAfter[i] - ethBefore[i], 1_000n + BigInt(i));
    const blocks = receipts[receipts.length - 1].blockNumber - receipts[0].blockNumber + 1;
    return { ms, receiptPolls: provider.receiptPolls, receiptMisses: provider.receiptMisses, blocks };
  } finally {
    provider.destroy();
  }
}
