// Starts and stops a real `moed devnet` for a test: a fresh home, a free port on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ethers } from 'ethers';

export const MOED = process.env.MOED;
if (!MOED) throw new Error('set MOED to the path of the moed executable');

/// The ten accounts of `test test ... junk` (m/44'/60'/0'/0/i), as every tutorial knows them.
export const TEST_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

/// Spawns `command args` and waits until `url` answers eth_chainId (`name` in errors). Returns
/// { log(), stop() }: stop sends SIGTERM, then SIGKILL after 10 s, and resolves with how it ended.
export async function startProcess({ command, args, url, name, timeoutMs = 20_000 }) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited early (${JSON.stringify(exited)}):\n${log}`);
    try {
      const r = await rpc(url, 'eth_chainId');
      if (r.result) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer on ${url} within ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    log: () => log,
    async stop() {
      if (exited) return exited;
      const done = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await done;
      clearTimeout(timer);
      return result;
    },
    /// SIGKILL, as a crash would; resolves with how it ended.
    async kill() {
      if (exited) return exited;
      const done = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGKILL');
      return done;
    },
  };
}

/// Starts moed devnet in `home` (a new temp dir by default) and waits until it answers.
export async function startDevnet({ home, port, extraArgs = [] } = {}) {
  home ??= mkdtempSync(join(tmpdir(), 'moed-e2e-'));
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess({
    command: MOED, args: ['devnet', '--home', home, '--rpc-port', String(port), ...extraArgs], url, name: 'moed',
  });
  return {
    home, port, url, wsUrl: `ws://127.0.0.1:${port}`,
    log: proc.log,
    /// SIGTERM, then SIGKILL after 10 s; resolves with how it ended.
    stop: proc.stop,
    /// SIGKILL (a crash); resolves with how it ended.
    kill: proc.kill,
    remove() { rmSync(home, { recursive: true, force: true }); },
  };
}

/// An ethers provider for a node, polling fast enough for one-second blocks. Its response
/// cache is off: a test that reads a balance, sends a transaction and reads it again within
/// ethers' default 250 ms would otherwise be handed the first answer.
export function connect(devnet) {
  return new ethers.JsonRpcProvider(devnet.url, undefined, { staticNetwork: true, pollingInterval: 200, cacheTimeout: -1 });
}

/// The end of a test file: closes the provider, stops moed (printing its log with
/// MOE_E2E_LOG=1), removes its home, and fails unless moed stopped cleanly.
export async function shutdown(devnet, provider) {
  provider?.destroy();
  const how = await devnet?.stop();
  if (process.env.MOE_E2E_LOG) console.error(devnet?.log());
  devnet?.remove();
  assert.equal(how?.code, 0, `moed did not stop cleanly: ${JSON.stringify(how)}`);
}
