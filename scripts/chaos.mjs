#!/usr/bin/env node
// `npm run chaos`: the fault suite with CHAOS_ROUNDS rounds (default 20), then docs/CHAOS.md
// with its figures. Each run is bounded: every test has its own time limit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = mkdtempSync(join(tmpdir(), 'am-chaos-'));
const rounds = process.env.CHAOS_ROUNDS ?? '20';
const run = spawnSync(
  join(root, 'node_modules/.bin/vitest'),
  ['run', 'test/chaos', 'test/integration/partition.test.ts', 'test/integration/relay-crash.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CHAOS_ROUNDS: rounds, CHAOS_RESULTS: results } },
);
const file = join(results, 'results.jsonl');
const rows = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
rmSync(results, { recursive: true, force: true });
const lines = [
  '# Fault suite figures',
  '',
  `Written by \`npm run chaos\` (CHAOS_ROUNDS=${rounds}) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Exit code of the suite: ${run.status}.`,
  '',
];
for (const { name, ...figures } of rows) {
  lines.push(`## ${name}`, '', '| figure | value |', '|---|---|');
  for (const [key, value] of Object.entries(figures)) lines.push(`| ${key.replaceAll('_', ' ')} | ${value} |`);
  lines.push('');
}
writeFileSync(join(root, 'docs/CHAOS.md'), `${lines.join('\n')}\n`);
console.log(`docs/CHAOS.md: ${rows.length} fault runs`);
process.exit(run.status ?? 1);
