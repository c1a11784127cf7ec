// Compiles Solidity with the solc-js pinned in package-lock.json (0.8.28): standard JSON input,
// the optimizer on, the Cancun EVM. Nothing is downloaded: soljson.js ships inside the package.
import solc from 'solc';

export const SOLC_VERSION = solc.version();
export const EVM_VERSION = 'cancun';

/// Compiles `sources` ({ 'File.sol': 'source text' }). Throws one Error listing every compiler
/// error; warnings are returned. Returns { contracts: { Name: { abi, bytecode, deployedBytecode,
/// storageLayout } }, warnings: [formatted message] }; bytecodes are 0x-prefixed hex.
export function compileSolidity(sources) {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([file, content]) => [file, { content }])),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout'] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const diagnostics = output.errors ?? [];
  const errors = diagnostics.filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc ${SOLC_VERSION}: ${errors.length} error(s):\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const contracts = {};
  for (const file of Object.keys(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(output.contracts[file])) {
      if (name in contracts) throw new Error(`two contracts are named ${name}`);
      contracts[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        storageLayout: c.storageLayout,
      };
    }
  }
  return { contracts, warnings: diagnostics.filter((e) => e.severity !== 'error').map((e) => e.formattedMessage) };
}

/// The storage slot of a state variable of a compiled contract, from solc's storage layout.
export function storageSlot(contract, label) {
  const entry = contract.storageLayout.storage.find((s) => s.label === label);
  if (!entry) throw new Error(`no state variable ${label} in the storage layout`);
  return BigInt(entry.slot);
}
