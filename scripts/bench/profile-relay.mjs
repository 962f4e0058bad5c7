#!/usr/bin/env node
// `npm run profile:relay`: runs the daemon under `node --cpu-prof` through 8,000 (PROFILE_N) submissions to the
// bench sink and writes docs/PROFILE-relay.md: the functions with the most self time, per thread
// (main: intake and outbox; worker: SMTP).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { cleanupAll, pooled, ROOT, startDaemon, startSink, testCerts } from './lib.mjs';

/** Messages profiled; PROFILE_N for a reduced run on a shared machine. */
const N = Number(process.env.PROFILE_N ?? 8000);
const dir = mkdtempSync(join(tmpdir(), 'am-prof-'));
try {
  const sink = await startSink();
  const { caFile } = await testCerts();
  const daemon = await startDaemon('prof', { mailServer: { enabled: true, server: `127.0.0.1:${sink.port}`, sender: 'bench@example.com', tls: true, caFile } }, { args: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const control = connectControl(daemon.socket);
  sink.reset();
  const reached = sink.reached(N);
  const start = Date.now();
  await pooled(N, 256, (i) => control.submit({ to: ['sink@example.com'], subject: `p ${i}`, text: `small ${i}\n`, html: '', kind: 'alert', idempotency_key: '' }));
  const rate = (N / ((await reached) - start)) * 1000;
  control.close();
  await daemon.stop();
  await sink.close();
  const lines = ['# CPU profile of the relay hot path', '', `\`npm run profile:relay\`: ${N} messages through the control socket to the STARTTLS sink at ${rate.toFixed(0)} msg/s, the daemon under \`node --cpu-prof\`. Self time per function, top 15 per thread.`, ''];
  for (const file of readdirSync(dir).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const self = new Map();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
    profile.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
    });
    const thread = profile.samples.length > 0 && [...self.keys()].some((k) => k.includes('smtp-pool')) ? 'SMTP worker thread' : 'main thread';
    lines.push(`## ${thread} (${(total / 1e6).toFixed(1)} s sampled)`, '', '| self % | function |', '|---|---|');
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`| ${((v / total) * 100).toFixed(1)} | \`${k}\` |`);
    lines.push('');
  }
  writeFileSync(join(ROOT, 'docs/PROFILE-relay.md'), `${lines.join('\n')}\n`);
  console.log('docs/PROFILE-relay.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
  await cleanupAll();
}
process.exit(0);
