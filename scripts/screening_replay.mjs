#!/usr/bin/env node
// Screening figures through a real devnet (issue 13, item 2): `moed moe replay-plan` writes the
// transactions of held-back generated worlds and of held-out labelled accounts' histories, a
// fresh `moed devnet` receives them as signed transactions, and the verdicts it gives are
// counted beside the offline ones of `moed moe eval` on the same rows.
//
//   node scripts/screening_replay.mjs [--worlds 10] [--transactions 1000] [--benign-accounts 40]
//        [--fraud-accounts 40] [--data ../shared/data/eth_fraud_accounts_and_txns]
//        [--moed build/cmd/moed/moed] [--json FILE]
//
// Needs `npm ci` in tests/e2e (ethers). Prints a table; --json also writes the counts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const defaults = {
  worlds: '10', transactions: '1000', 'benign-accounts': '40', 'fraud-accounts': '40',
  data: join(ROOT, '..', 'shared', 'data', 'eth_fraud_accounts_and_txns'), moed: join(ROOT, 'build', 'cmd', 'moed', 'moed'), json: '',
};
const options = { ...defaults };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; ++i) {
  const name = argv[i].replace(/^--/, '');
  if (!argv[i].startsWith('--') || !(name in defaults) || i + 1 >= argv.length) {
    console.error(`usage: node scripts/screening_replay.mjs [--worlds N] [--transactions T] [--benign-accounts N] [--fraud-accounts M] [--data DIR] [--moed PATH] [--json FILE]\nbad argument: ${argv[i]}`);
    process.exit(2);
  }
  options[name] = argv[++i];
}
process.env.MOED = resolve(options.moed);
// The library resolves ethers from tests/e2e/node_modules.
const { makePlan, replayOnDevnet, summarize, formatSummary } = await import(join(ROOT, 'tests', 'e2e', 'lib', 'screening_replay.mjs'));

const args = [];
if (options.worlds !== '0') args.push('--worlds', options.worlds, '--transactions', options.transactions);
if (options['benign-accounts'] !== '0' || options['fraud-accounts'] !== '0') {
  args.push('--data', options.data, '--benign-accounts', options['benign-accounts'], '--fraud-accounts', options['fraud-accounts']);
}
const dir = mkdtempSync(join(tmpdir(), 'moed-replay-'));
try {
  const log = (m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(`moed moe replay-plan ${args.join(' ')}`);
  const plan = makePlan(process.env.MOED, args, join(dir, 'plan.jsonl'));
  log(`${plan.transactions.length} transactions, ${plan.accounts.length} accounts; replaying on a fresh devnet`);
  const run = await replayOnDevnet(plan, { log });
  const summary = summarize(plan, run);
  console.log(`node scripts/screening_replay.mjs ${argv.join(' ')}`);
  console.log(formatSummary(summary));
  if (options.json) writeFileSync(options.json, JSON.stringify(summary, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
