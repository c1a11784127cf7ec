#!/usr/bin/env node
// Builds the contract classifier's own corpus (decision 005): runtime bytecodes of contracts we
// compile ourselves with solc-js (tests/e2e/node_modules, pinned), labelled by what they are,
// grouped by family so that a family's codes sit on one side of the held-out split.
//
//   node scripts/contract_corpus/generate.mjs   (after `npm ci` in tests/e2e)
//
// writes chain-config/corpus/contract_templates.csv.gz (training and held-out families) and
// chain-config/corpus/contract_live.csv.gz (the live set: contracts no family trains on).
// Columns: family,label,group,compiler,optimizer_runs,name,bytecode. The same inputs give the
// same bytes (solc is deterministic; gzip without a timestamp).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compile, compilerVersion } from './compile.mjs';
import { ownSources } from './own_templates.mjs';
import { ozSources } from './oz_templates.mjs';
import { LIVE_CONTRACTS, LIVE_SOLC, liveBuild } from './live.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'chain-config', 'corpus');

/// Compiler builds of our own sources (they compile from 0.6.12 on) and of OpenZeppelin's (0.8.20 on).
// (Seven builds would triple the variety, but solc-js takes minutes a build on a shared machine.)
const OWN_BUILDS = [['solc-0.6.12', 200], ['solc-0.7.6', 999999], ['solc-0.8.20', 0], ['solc', 200]];
const OZ_BUILDS = [['solc', 0], ['solc', 200]];  // its proxies need 0.8.22

function csvRows(rows) {
  const header = 'family,label,group,compiler,optimizer_runs,name,bytecode';
  return [header, ...rows.map((r) => [r.family, r.label, r.group, r.compiler, r.runs, r.name, r.bytecode].join(','))].join('\n') + '\n';
}

function build(sources, builds, rows) {
  const files = Object.fromEntries(sources.map((s) => [`${s.name}.sol`, s.source]));
  for (const [pkg, runs] of builds) {
    const started = Date.now();
    const out = compile(pkg, files, runs);
    for (const s of sources) {
      const c = out[`${s.name}.sol`]?.[s.name];
      if (!c) throw new Error(`${pkg}: ${s.name} did not compile`);
      if (!c.deployedBytecode) throw new Error(`${pkg}: ${s.name} has no runtime code`);
      rows.push({ family: s.family, label: s.label, group: s.group ?? s.family, compiler: compilerVersion(pkg).split('+')[0], runs, name: s.name, bytecode: c.deployedBytecode });
    }
    console.error(`${pkg} runs=${runs}: ${sources.length} contracts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

const training = [];
const only = process.argv[2];  // 'live': only the live set (quick)
if (only !== 'live') {
  build(ownSources(), OWN_BUILDS, training);
  build(ozSources(), OZ_BUILDS, training);
}

const live = [];
const byName = liveBuild();
for (const [name, label, source] of LIVE_CONTRACTS) {
  const npm = source.startsWith('uniswap');
  live.push({ family: `live-${name}`, label, group: `live-${name}`, compiler: npm ? 'artifact' : compilerVersion(LIVE_SOLC.pkg).split('+')[0],
    runs: npm ? 0 : LIVE_SOLC.runs, name, bytecode: byName[name].deployedBytecode });
}

mkdirSync(OUT, { recursive: true });
if (only !== 'live') writeFileSync(join(OUT, 'contract_templates.csv.gz'), gzipSync(csvRows(training), { level: 9 }));
writeFileSync(join(OUT, 'contract_live.csv.gz'), gzipSync(csvRows(live), { level: 9 }));
const count = (rows) => Object.entries(rows.reduce((m, r) => ((m[r.label] = (m[r.label] ?? 0) + 1), m), {})).map(([k, v]) => `${k}=${v}`).join(' ');
console.error(`templates: ${training.length} codes (${count(training)}); live: ${live.length} (${count(live)})`);
