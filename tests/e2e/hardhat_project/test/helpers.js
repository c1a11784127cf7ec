// loadFixture, time, setBalance and impersonation as @nomicfoundation/hardhat-network-helpers
// does them, over the same JSON-RPC methods. That package itself refuses any node whose
// web3_clientVersion does not start with "HardhatNetwork", "zksync" or "anvil", so a project that
// targets another devnet keeps helpers like these.
const hre = require('hardhat');

const provider = hre.network.provider;
const rpc = (method, params = []) => provider.request({ method, params });

let snapshots = [];

/// Runs `fixture` once and snapshots the chain; every later call reverts to that snapshot
/// (evm_revert) and takes a new one, so each test starts from the same state.
async function loadFixture(fixture) {
  if (fixture.name === '') throw new Error('loadFixture needs a named function (an anonymous one would run every time)');
  const i = snapshots.findIndex((s) => s.fixture === fixture);
  if (i !== -1) {
    const s = snapshots[i];
    if ((await rpc('evm_revert', [s.id])) !== true) throw new Error(`evm_revert(${s.id}) answered false`);
    s.id = await rpc('evm_snapshot');
    snapshots = snapshots.slice(0, i + 1);  // later snapshots were invalidated by the revert
    return s.data;
  }
  const data = await fixture();
  snapshots.push({ fixture, data, id: await rpc('evm_snapshot') });
  return data;
}

const quantity = (n) => `0x${BigInt(n).toString(16)}`;

const time = {
  async latest() {
    return Number((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp);
  },
  /// Mines a block `seconds` after the head.
  async increase(seconds) {
    await rpc('evm_increaseTime', [quantity(seconds)]);
    await rpc('evm_mine');
    return time.latest();
  },
  /// Mines a block at `timestamp`.
  async increaseTo(timestamp) {
    await rpc('evm_mine', [quantity(timestamp)]);
  },
};

const setBalance = (address, wei) => rpc('hardhat_setBalance', [address, quantity(wei)]);
const impersonateAccount = (address) => rpc('hardhat_impersonateAccount', [address]);
const stopImpersonatingAccount = (address) => rpc('hardhat_stopImpersonatingAccount', [address]);

module.exports = { loadFixture, time, setBalance, impersonateAccount, stopImpersonatingAccount, rpc };
