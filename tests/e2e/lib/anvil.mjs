// Starts and stops Anvil (Foundry, from @foundry-rs/anvil in node_modules) on a free port of
// 127.0.0.1: the devnet developers compare moed with.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess } from './devnet.mjs';

export const ANVIL = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'anvil');

/// Starts Anvil with `args` (its defaults: automine, the test mnemonic's ten accounts with
/// 10000 ETH each, chain id 31337) and waits until it answers. Returns { url, log(), stop() }.
export async function startAnvil(args = []) {
  if (!existsSync(ANVIL)) throw new Error(`no anvil at ${ANVIL}: run npm ci in tests/e2e`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    command: ANVIL, args: ['--host', '127.0.0.1', '--port', String(port), ...args], url, name: 'anvil', timeoutMs: 30_000,
  });
  return { url, ...proc };
}
