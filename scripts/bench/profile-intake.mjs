#!/usr/bin/env node
// `npm run profile:intake`: where the intake time goes (issue 22). The daemon runs with the mail
// server down, as in the intake benchmark; at each backlog (0, 10,000, 100,000 queued; or
// PROFILE_BACKLOGS=a,b) one probe of 2,000 submissions at 1,000/s offered is measured apart from
// the filling around it: the client's latency to "accepted", the daemon's event-loop delay
// histogram and a CPU profile (scripts/bench/probe-preload.mjs), GC time from the profile's
// (garbage collector) frame. Writes docs/PROFILE-intake.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { selfTime, selfTimeTable } from './cpu-profile.mjs';
import { fillBacklog, offerIntake } from './intake.mjs';
import { cleanupAll, percentile, probeWindow, ROOT, sleep, startDaemon } from './lib.mjs';

const PROBE = 2000;
const backlogs = (process.env.PROFILE_BACKLOGS ?? '0,10000,100000').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'am-prof-intake-'));
const preload = new URL('./probe-preload.mjs', import.meta.url).href;

try {
  const daemon = await startDaemon('prof-intake', { mailServer: { enabled: true, server: '127.0.0.1:9', sender: 'bench@example.com', tls: false } }, { args: [`--import=${preload}`], extraEnv: { AM_PROBE_DIR: dir } });
  const control = connectControl(daemon.socket);
  await fillBacklog(control, 0, 1000); // warm-up: JIT and the channel
  let queued = 1000;
  const sections = [];
  for (const [i, backlog] of backlogs.entries()) {
    if (backlog > queued) {
      await fillBacklog(control, queued, backlog);
      queued = backlog;
    }
    process.kill(daemon.pid, 'SIGUSR2');
    await sleep(200); // the window opens in the daemon's signal handler
    const { latencies } = await offerIntake(control, PROBE);
    queued += PROBE;
    process.kill(daemon.pid, 'SIGUSR2');
    const { profile, delay } = await probeWindow(dir, i + 1);
    const rows = selfTime(profile);
    const sampled = rows.reduce((n, [, ms]) => n + ms, 0);
    const gc = rows.filter(([k]) => k.startsWith('(garbage collector)')).reduce((n, [, ms]) => n + ms, 0);
    const idle = rows.filter(([k]) => k.startsWith('(idle)')).reduce((n, [, ms]) => n + ms, 0);
    sections.push(
      `## Backlog ${backlog.toLocaleString('en')}`,
      '',
      `Client: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(1)} ms. ` +
        `Daemon event-loop delay: p50 ${delay.p50_ms.toFixed(2)} ms, p99 ${delay.p99_ms.toFixed(2)} ms, max ${delay.max_ms.toFixed(1)} ms. ` +
        `Main thread sampled ${(sampled / 1000).toFixed(2)} s: idle ${((idle / sampled) * 100).toFixed(0)} %, GC ${((gc / sampled) * 100).toFixed(1)} %.`,
      '',
      ...selfTimeTable(profile, 20),
      '',
    );
    console.log(`backlog ${backlog}: client p99 ${percentile(latencies, 99).toFixed(2)} ms, loop delay p99 ${delay.p99_ms.toFixed(2)} ms`);
  }
  control.close();
  await daemon.stop();
  const head = [
    '# Where the intake time goes',
    '',
    `\`npm run profile:intake\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}: the mail server down, ${PROBE.toLocaleString('en')} submissions at 1,000/s offered through the control socket at each backlog; the daemon measured only during each probe (CPU profile sampled every 1 ms, event-loop delay at 1 ms resolution). Self time per function, the top 20.`,
    '',
  ];
  writeFileSync(join(ROOT, 'docs/PROFILE-intake.md'), `${[...head, ...sections].join('\n')}\n`);
  console.log('docs/PROFILE-intake.md');
} finally {
  rmSync(dir, { recursive: true, force: true });
  await cleanupAll();
}
process.exit(0);
