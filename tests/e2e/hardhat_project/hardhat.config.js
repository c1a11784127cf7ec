// A Hardhat project as a developer keeps one, pointed at a moed devnet as an external network:
//   MOED_RPC_URL=http://127.0.0.1:8545 npx hardhat test --network moed
// hardhat, ethers and solc come from ../node_modules (pinned in ../package-lock.json).
const os = require('node:os');
const path = require('node:path');
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');

// Compile with the solc-js of npm instead of downloading a compiler (Hardhat's documented
// override for a custom compiler): nothing is fetched.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, hre, runSuper) => {
  const solc = require('solc');
  const longVersion = solc.version().replace('.Emscripten.clang', '');
  if (!longVersion.startsWith(`${solcVersion}+`)) return runSuper();
  return { compilerPath: require.resolve('solc/soljson.js'), isSolcJs: true, version: solcVersion, longVersion };
});

// Build output outside the source tree when the test runner says where.
const out = process.env.MOE_HARDHAT_OUT ?? path.join(os.tmpdir(), 'moechain-hardhat-project');

module.exports = {
  solidity: { version: '0.8.28', settings: { evmVersion: 'cancun', optimizer: { enabled: true, runs: 200 } } },
  networks: {
    // Remote accounts, as with Anvil: the devnet lists its mnemonic's accounts (eth_accounts)
    // and signs for them, and sends unsigned for impersonated ones (eth_sendTransaction).
    moed: { url: process.env.MOED_RPC_URL ?? 'http://127.0.0.1:8545', chainId: 4224, timeout: 60_000 },
  },
  paths: { artifacts: path.join(out, 'artifacts'), cache: path.join(out, 'cache') },
  mocha: { timeout: 60_000 },
};
