// Loaded into the daemon with `--import` by the profiling scripts only (never by the unit): each
// SIGUSR2 toggles a measuring window. At its start a CPU profile (the inspector, in-process) and
// an event-loop delay histogram begin; at its end both are written to AM_PROBE_DIR as
// window-N.cpuprofile and window-N.json, so that one phase of a run (a probe at one backlog) is
// measured apart from the set-up around it. With AM_PROBE_FROM_START=1 the first window opens
// here, before the daemon's own modules load (a restart measured from its first line).
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.AM_PROBE_DIR;
const session = new Session();
session.connect();
let window = 0;
let open = null;

async function openWindow() {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  open = { delay };
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
}

if (process.env.AM_PROBE_FROM_START === '1') await openWindow();

process.on('SIGUSR2', async () => {
  if (!open) {
    await openWindow();
    return;
  }
  const { delay } = open;
  open = null;
  delay.disable();
  const { profile } = await session.post('Profiler.stop');
  window += 1;
  writeFileSync(join(dir, `window-${window}.cpuprofile`), JSON.stringify(profile));
  const ms = (ns) => ns / 1e6;
  writeFileSync(
    join(dir, `window-${window}.json`),
    JSON.stringify({ p50_ms: ms(delay.percentile(50)), p99_ms: ms(delay.percentile(99)), max_ms: ms(delay.max), mean_ms: ms(delay.mean) }),
  );
});
