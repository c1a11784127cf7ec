// solc-js from tests/e2e/node_modules (pinned in its package-lock.json): nothing is downloaded.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'e2e');
export const requireE2e = createRequire(join(E2E, 'package.json'));

const compilers = new Map();
function compiler(pkg) {
  if (!compilers.has(pkg)) compilers.set(pkg, requireE2e(pkg));
  return compilers.get(pkg);
}

function findImport(path) {
  try {
    return { contents: readFileSync(requireE2e.resolve(path), 'utf8') };
  } catch (e) {
    return { error: `${path}: ${e.message}` };
  }
}

/// Compiles { file: source } with the solc package `pkg` ('solc', 'solc-0.6.12', ...) and the
/// optimizer setting `runs` (0: off). Returns { file: { Name: { bytecode, deployedBytecode, abi } } }.
export function compile(pkg, sources, runs, evmVersion) {
  const settings = {
    optimizer: runs > 0 ? { enabled: true, runs } : { enabled: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  };
  if (evmVersion) settings.evmVersion = evmVersion;
  const input = { language: 'Solidity', sources: Object.fromEntries(Object.entries(sources).map(([f, content]) => [f, { content }])), settings };
  // solc-js takes minutes a build on a busy machine: MOE_SOLC_CACHE=DIR keeps outputs by input.
  const cacheFile = process.env.MOE_SOLC_CACHE
    ? join(process.env.MOE_SOLC_CACHE, `${createHash('sha256').update(pkg + JSON.stringify(input)).digest('hex')}.json`) : null;
  const text = cacheFile && existsSync(cacheFile) ? readFileSync(cacheFile, 'utf8') : compiler(pkg).compile(JSON.stringify(input), { import: findImport });
  if (cacheFile && !existsSync(cacheFile)) { mkdirSync(process.env.MOE_SOLC_CACHE, { recursive: true }); writeFileSync(cacheFile, text); }
  const out = JSON.parse(text);
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`${pkg}: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const result = {};
  for (const [file, contracts] of Object.entries(out.contracts ?? {})) {
    result[file] = {};
    for (const [name, c] of Object.entries(contracts)) {
      result[file][name] = { abi: c.abi, bytecode: c.evm.bytecode.object, deployedBytecode: c.evm.deployedBytecode.object };
    }
  }
  return result;
}

export function compilerVersion(pkg) { return compiler(pkg).version(); }
