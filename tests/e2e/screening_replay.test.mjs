// Issue 13, item 2, the short run: a held-back generated world (never trained on) and a few
// held-out benign and fraud accounts' histories from ../shared/data, replayed on a fresh preset
// devnet as signed transactions (tests/e2e/lib/screening_replay.mjs). The bars: ordinary traffic
// is flagged at most 1 in 100 and never rejected; the chain gives every transaction the score
// the plan expects from the statistics the replay builds (a replay that strays, or a chain that
// screens with other statistics, fails here); fraud histories are flagged more than benign ones.
// The long run is scripts/screening_replay.mjs; its figures are in README.md.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOED } from './lib/devnet.mjs';
import { formatSummary, makePlan, replayOnDevnet, summarize } from './lib/screening_replay.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = process.env.MOE_SHARED_DIR ?? join(ROOT, '..', 'shared');

let s;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moed-replay-'));
  try {
    const plan = makePlan(MOED, ['--worlds', '1', '--transactions', '300', '--data', join(SHARED, 'data', 'eth_fraud_accounts_and_txns'),
      '--benign-accounts', '4', '--fraud-accounts', '4'], join(dir, 'plan.jsonl'));
    s = summarize(plan, await replayOnDevnet(plan));
    console.log(formatSummary(s));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the replay is the plan: every transaction sent, and scored by the chain as the plan expects', () => {
  const { worlds, benign, fraud } = s.groups;
  assert.equal(worlds.rows, 300);
  assert.ok(benign.rows >= 50 && fraud.rows >= 50, `too few rows to say anything: ${benign.rows} benign, ${fraud.rows} fraud`);
  assert.deepEqual(s.errors, {}, 'every transaction was refused only by screening, if at all');
  assert.equal(s.expected.matched, s.expected.compared, `the chain scored ${s.expected.compared - s.expected.matched} transactions otherwise than the plan expects`);
  assert.ok(s.expected.compared >= 0.9 * s.transactions, `only ${s.expected.compared} of ${s.transactions} compared`);
});

test('a held-back generated world is flagged at most 1 in 100 and never rejected', () => {
  const c = s.groups.worlds;
  assert.equal(c.reject, 0, `${c.reject} of ${c.rows} rejected`);
  assert.ok(c.flag * 100 <= c.rows, `${c.flag} of ${c.rows} flagged`);
});

test('held-out benign accounts\' transactions are flagged at most 1 in 100 and never rejected', () => {
  const c = s.groups.benign;
  assert.equal(c.reject, 0, `${c.reject} of ${c.rows} rejected`);
  assert.ok(c.flag * 100 <= c.rows, `${c.flag} of ${c.rows} flagged`);
});

test('held-out fraud accounts\' transactions are flagged more often than benign ones', () => {
  const { benign, fraud } = s.groups;
  assert.ok(fraud.flag * benign.rows > benign.flag * fraud.rows, `fraud ${fraud.flag} of ${fraud.rows}, benign ${benign.flag} of ${benign.rows}`);
});
