// The session of lib/session.mjs (30 dependent transactions through ethers' default provider)
// against a fresh `moed devnet` and against Anvil in one run: prints both wall times and their
// ratio. bench/devnet_session.sh runs this; the e2e.devnet_session test checks the same session
// for correctness. Extra arguments are passed to `moed devnet`.
import { startDevnet, TEST_KEYS } from './lib/devnet.mjs';
import { startAnvil } from './lib/anvil.mjs';
import { runSession, SESSION_TRANSACTIONS } from './lib/session.mjs';

const extraArgs = process.argv.slice(2);
const devnet = await startDevnet({ extraArgs });
const anvil = await startAnvil();
try {
  const moed = await runSession(devnet.url, TEST_KEYS[0], TEST_KEYS[1]);
  const peer = await runSession(anvil.url, TEST_KEYS[0], TEST_KEYS[1]);
  const line = (name, r) => `${name.padEnd(6)} ${(r.ms / 1000).toFixed(3)} s  ${r.blocks} blocks  receipt polls ${r.receiptPolls}, answered null ${r.receiptMisses}`;
  console.log(`${SESSION_TRANSACTIONS} dependent transactions, ethers ${'6'} default provider`);
  console.log(line('moed', moed));
  console.log(line('anvil', peer));
  console.log(`moed / anvil wall time: ${(moed.ms / peer.ms).toFixed(2)}x`);
} finally {
  await anvil.stop();
  await devnet.stop();
  devnet.remove();
}
