#!/usr/bin/env node
// `npm run profile:relay`: runs the daemon under `node --cpu-prof` through 8,000 (PROFILE_N) submissions to the
// bench sink and writes docs/PROFILE-relay.md: the functions with the most self time, per thread
// (main: intake and outbox; worker: SMTP).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { selfTime, selfTimeTable } from './cpu-profile.mjs';
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
    const rows = selfTime(profile);
    const total = rows.reduce((n, [, ms]) => n + ms, 0);
    const thread = rows.some(([k]) => k.includes('smtp-pool')) ? 'SMTP worker thread' : 'main thread';
    lines.push(`## ${thread} (${(total / 1000).toFixed(1)} s sampled)`, '', ...selfTimeTable(profile));
    lines.push('');
  }
  writeFileSync(join(ROOT, 'docs/PROFILE-relay.md'), `${lines.join('\n')}\n`);
  console.log('docs/PROFILE-relay.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
  await cleanupAll();
}
process.exit(0);
