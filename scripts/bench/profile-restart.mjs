#!/usr/bin/env node
// `npm run profile:restart`: where the time from start to ready goes with a backlog on disk
// (issue 22, "ready after restart"). 100,000 small messages (PROFILE_RESTART_COUNT) are queued with
// the mail server down; once the daemon has written its index snapshot (as it does when quiet,
// and as it has in the benchmark's backlog step before its kill) it is killed with SIGKILL, then
// started again on the same folder RUNS times under a CPU profile that begins before its own
// modules load (scripts/bench/probe-preload.mjs, AM_PROBE_FROM_START) and ends when `status` first
// answers; then once more without the snapshot (every journal record read), for comparison.
// Writes docs/PROFILE-restart.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { selfTime, selfTimeTable } from './cpu-profile.mjs';
import { bodyOf, CLI, cleanupAll, DAEMON_ENV, DAEMON_NODE_ARGS, onCleanup, pooled, probeWindow, ROOT, sleep, startDaemon, statusWhenUp } from './lib.mjs';

const COUNT = Number(process.env.PROFILE_RESTART_COUNT ?? 100_000);
/** Text bytes per message: 200, or 5 MB (5242880) for the benchmark's large backlog. */
const BYTES = Number(process.env.PROFILE_RESTART_BYTES ?? 200);
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'am-prof-restart-'));
onCleanup(() => rmSync(dir, { recursive: true, force: true }));
const preload = new URL('./probe-preload.mjs', import.meta.url).href;

/** One start on the folder, profiled until `status` answers. */
async function profiledStart(configPath, socket, run) {
  const probeDir = join(dir, `run-${run}`);
  mkdirSync(probeDir);
  const started = Date.now();
  const child = spawn(process.execPath, [...DAEMON_NODE_ARGS, `--import=${preload}`, CLI, 'daemon', '--config', configPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...DAEMON_ENV, AM_PROBE_DIR: probeDir, AM_PROBE_FROM_START: '1' },
  });
  onCleanup(() => child.kill('SIGKILL'));
  const status = await statusWhenUp(socket);
  if (status === null) throw new Error(`the daemon did not answer status within 120 s (run ${run})`);
  const readyMs = Date.now() - started;
  process.kill(child.pid, 'SIGUSR2');
  const { profile, delay } = await probeWindow(probeDir, 1);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return { readyMs, profile, delay, queued: Number(status.outbox.queued) + Number(status.outbox.deferred) };
}

try {
  const daemon = await startDaemon('prof-restart', {
    mailServer: { enabled: true, server: '127.0.0.1:9', sender: 'bench@example.com', tls: false },
    relay: { maxOutboxBytes: 64 * 2 ** 30, minFreeBytes: 0, maxMessageBytes: Math.max(10 * 2 ** 20, BYTES + 2 ** 20), retryMin: '1h', retryMax: '1h' },
  });
  const control = connectControl(daemon.socket);
  const body = bodyOf(BYTES);
  await pooled(COUNT, BYTES > 65536 ? 4 : 256, (i) => control.submit({ to: ['down@example.com'], subject: `backlog ${i}`, text: body, html: '', kind: 'digest', idempotency_key: '' }));
  control.close();
  const snapshot = join(daemon.dir, 'state', 'outbox', 'index.snapshot');
  for (let waited = 0; !existsSync(snapshot); waited += 100) {
    if (waited > 60_000) throw new Error('the daemon wrote no index snapshot within 60 s of the last submission');
    await sleep(100);
  }
  daemon.kill();
  await sleep(300);
  const runs = [];
  for (let run = 1; run <= RUNS; run++) {
    runs.push(await profiledStart(daemon.configPath, daemon.socket, run));
    console.log(`run ${run}: ready in ${runs.at(-1).readyMs} ms with ${runs.at(-1).queued} messages back`);
  }
  renameSync(snapshot, `${snapshot}.aside`);
  const without = await profiledStart(daemon.configPath, daemon.socket, RUNS + 1);
  console.log(`without the snapshot: ready in ${without.readyMs} ms with ${without.queued} messages back`);
  const middle = [...runs].sort((a, b) => a.readyMs - b.readyMs)[Math.floor(RUNS / 2)];
  const rows = selfTime(middle.profile);
  const total = rows.reduce((n, [, ms]) => n + ms, 0);
  const share = (match) => rows.filter(([k]) => match.test(k)).reduce((n, [, ms]) => n + ms, 0);
  const pct = (ms) => `${((ms / total) * 100).toFixed(0)} %`;
  const groups = [
    ['garbage collection', share(/^\(garbage collector\)/)],
    ['reading the snapshot and records: framing, CRC, JSON (outbox-snapshot, journal-format, window-reader, outbox-records)', share(/dist\/relay\/(outbox-snapshot|journal-format|window-reader|outbox-records)\.js|^crc32 |^parse :0/)],
    ['building the index and the schedule (outbox-index, entry-table, outbox-scheduler)', share(/dist\/(relay\/(outbox-index|entry-table|outbox-scheduler)|util\/counted-table)\.js/)],
    ['loading and compiling modules', share(/node:internal\/modules|node:internal\/bootstrap|^compileFunction|^internalModuleStat|^readFileUtf8/)],
    ['idle (waiting for reads, timers)', share(/^\(idle\)/)],
  ];
  const text = [
    '# Where the time to ready goes after a restart',
    '',
    `\`npm run profile:restart\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}: ${COUNT.toLocaleString('en-US')} messages of ${BYTES.toLocaleString('en-US')} text bytes queued with the mail server down, the daemon's index snapshot written (it takes one once quiet), kill -9, then ${RUNS} starts on the same folder with the unit's node flags, each under a CPU profile from before the daemon's modules load until \`status\` first answers (sampled every 1 ms).`,
    '',
    `Ready in ${runs.map((r) => `${r.readyMs} ms`).join(', ')}; ${runs[0].queued.toLocaleString('en-US')} messages back each time. Without the snapshot, every journal record read: ready in ${without.readyMs} ms (${without.queued.toLocaleString('en-US')} messages back). The profile of the median start (${middle.readyMs} ms, ${total.toFixed(0)} ms sampled; event-loop delay p99 ${middle.delay.p99_ms.toFixed(1)} ms, max ${middle.delay.max_ms.toFixed(1)} ms):`,
    '',
    '| where | ms | share |',
    '|---|---|---|',
    ...groups.map(([what, ms]) => `| ${what} | ${ms.toFixed(0)} | ${pct(ms)} |`),
    '',
    'Self time per function, the top 25:',
    '',
    ...selfTimeTable(middle.profile, 25),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'docs/PROFILE-restart.md'), text);
  console.log('docs/PROFILE-restart.md');
} finally {
  await cleanupAll();
}
process.exit(0);
