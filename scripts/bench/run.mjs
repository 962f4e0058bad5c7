#!/usr/bin/env node
// `npm run bench`: every figure measured against a baseline in the same run (this machine is
// shared and noisy), medians of 3 runs, written to BENCHMARKS.md and bench-results.json.
// BENCH_QUICK=1 runs a smaller version to check the harness. `--fleet-only` runs only the
// fan-out section (federation at 100, 500 and 1,000 secondaries, and the reconnect storm) and
// merges its figures into the existing bench-results.json and BENCHMARKS.md; FLEET_SIZES=a,b,c
// overrides the sizes (a reduced run while developing on a busy machine); FLEET_2000=0 leaves out
// the 2,000 step. `--report-only` writes BENCHMARKS.md again from bench-results.json (after a change
// of the report, not of the code). FLEET_CPU_PROF=DIR (with FLEET_RECONNECT=0: a storm replaces the primary)
// profiles the primary; `node scripts/bench/profile-fanout.mjs DIR` names its top frames.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { benchBacklog } from './backlog.mjs';
import { benchFanout } from './fanout.mjs';
import { measureStreamMemory } from './fanout-memory.mjs';
import { benchFootprint } from './footprint.mjs';
import { benchIntake } from './intake.mjs';
import { cleanupAll, median, ROOT } from './lib.mjs';
import { benchRelay } from './relay.mjs';
import { benchReload } from './reload.mjs';
import { render } from './report.mjs';

const quick = process.env.BENCH_QUICK === '1';
const fleetOnly = process.argv.includes('--fleet-only');
const reportOnly = process.argv.includes('--report-only');
/**
 * 2,000 secondaries too when the machine has the memory for 80 secondary processes (~45 MB each)
 * beside the rest; FLEET_2000=0 leaves the step out.
 */
const fleet2000 = process.env.FLEET_2000 !== '0' && totalmem() >= 16 * 2 ** 30;
const fleetSizes = process.env.FLEET_SIZES ? process.env.FLEET_SIZES.split(',').map(Number) : quick ? [100] : [100, 500, 1000, ...(fleet2000 ? [2000] : [])];
const runs = 3;
const log = (line) => console.log(line);
const started = Date.now();
// Stopped by Ctrl-C or by kill: the temporary folders (they hold node records and test
// credentials), the child processes and Postfix's main.cf are put back either way.
process.on('SIGINT', () => cleanupAll().then(() => process.exit(130)));
process.on('SIGTERM', () => cleanupAll().then(() => process.exit(143)));

/** The keys the fan-out section owns in bench-results.json. */
function fleetResults(fanout) {
  const at = (n) => fanout[n] ?? {};
  const top = Math.max(...fleetSizes);
  return {
    fanout_p99_ms_500: at(500).p99_ms ?? null,
    fanout_baseline_p99_ms_500: at(500).baseline_p99_ms ?? null,
    primary_rss_mb_500: at(500).primary_rss_mb ?? null,
    fanout_p99_ms_1000: at(1000).p99_ms ?? null,
    fanout_baseline_p99_ms_1000: at(1000).baseline_p99_ms ?? null,
    primary_rss_mb_1000: at(1000).primary_rss_mb ?? null,
    baseline_rss_mb_1000: at(1000).baseline_rss_mb ?? null,
    primary_cpu_ms_per_change_1000: at(1000).primary_cpu_ms_per_change ?? null,
    baseline_server_cpu_ms_per_change_1000: at(1000).baseline_server_cpu_ms_per_change ?? null,
    secondaries_cpu_ms_per_change_1000: at(1000).secondaries_cpu_ms_per_change ?? null,
    baseline_clients_cpu_ms_per_change_1000: at(1000).baseline_clients_cpu_ms_per_change ?? null,
    primary_written_ms_1000: at(1000).primary_written_ms ?? null,
    reconnect_all_ms_1000: fanout.reconnect?.secondaries === 1000 ? fanout.reconnect.from_restart_ms : null,
    reconnect_peak_rss_mb_1000: fanout.reconnect?.secondaries === 1000 ? fanout.reconnect.peak_rss_mb : null,
    fanout_light_p99_ms_1000: fanout.light_1000?.p99_ms ?? null,
    fanout_light_baseline_p99_ms_1000: fanout.light_1000?.baseline_p99_ms ?? null,
    primary_cpu_ms_per_change_light_1000: fanout.light_1000?.primary_cpu_ms_per_change ?? null,
    fanout_light_baseline_server_cpu_ms_per_change_1000: fanout.light_1000?.baseline_server_cpu_ms_per_change ?? null,
    fanout_p99_ms_2000: at(2000).p99_ms ?? null,
    fanout_baseline_p99_ms_2000: at(2000).baseline_p99_ms ?? null,
    primary_rss_mb_2000: at(2000).primary_rss_mb ?? null,
    primary_cpu_ms_per_change_2000: at(2000).primary_cpu_ms_per_change ?? null,
    reconnect_all_ms_2000: fanout.reconnect_2000?.from_restart_ms ?? null,
    reconnect_peak_rss_mb_2000: fanout.reconnect_2000?.peak_rss_mb ?? null,
    single_propagation_p99_ms: fanout.single.p99_ms,
    fleet_sizes: fleetSizes,
    fleet_top_size: top,
  };
}

/** The intake tail at each backlog, under the keys the goals name. */
function intakeResults(intake) {
  return { intake_p99_ms_0: intake[0]?.p99_ms ?? null, intake_p99_ms_10k: intake[10000]?.p99_ms ?? null, intake_p99_ms_100k: intake[100000]?.p99_ms ?? null };
}

try {
  if (reportOnly) {
    // The report's words changed, not the figures: BENCHMARKS.md again from the last run's results.
    const path = join(ROOT, 'bench-results.json');
    const { quick: q, detail, ...results } = JSON.parse(readFileSync(path, 'utf8'));
    const measuredAt = results.measured_at ? new Date(results.measured_at) : statSync(path).mtime;
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), render({ ...detail, quick: q, runs, results: { ...results, ...intakeResults(detail.intake), ...fleetResults(detail.fanout) }, measuredAt }));
    log('BENCHMARKS.md written again from bench-results.json');
  } else if (fleetOnly) {
    log(`fan-out (--fleet-only: ${fleetSizes.join(', ')} secondaries)`);
    const fanout = await fanoutBench();
    const path = join(ROOT, 'bench-results.json');
    const previous = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
    if (previous?.detail?.relay) {
      const merged = { ...previous, ...fleetResults(fanout), detail: { ...previous.detail, fanout } };
      writeFileSync(path, `${JSON.stringify(merged, null, 2)}\n`);
      const { quick: q, detail, ...results } = merged;
      writeFileSync(join(ROOT, 'BENCHMARKS.md'), render({ ...detail, quick: q, runs, results }));
      log('fan-out figures merged into bench-results.json and BENCHMARKS.md');
    } else {
      writeFileSync(join(ROOT, 'bench-fleet.json'), `${JSON.stringify({ ...fleetResults(fanout), detail: { fanout } }, null, 2)}\n`);
      log('no full bench-results.json to merge into: figures in bench-fleet.json');
    }
  } else {
    await runAll();
  }
} finally {
  await cleanupAll();
}
process.exit(0);

/**
 * The fan-out at every size, then at 1,000 again with light secondaries (fanout.mjs: the
 * primary's own share against the bare baseline); FLEET_LIGHT=0 leaves that step out. Then the
 * memory an idle stream costs, from heap snapshots at 0 / 500 / 1,000 (FLEET_MEMORY=0 leaves it out).
 */
async function fanoutBench() {
  const fanout = await benchFanout({ sizes: fleetSizes, changes: runs, singleChanges: quick ? 10 : 40, reconnect: process.env.FLEET_RECONNECT !== '0', log });
  if (fleetSizes.includes(1000) && process.env.FLEET_LIGHT !== '0') {
    log('fan-out at 1,000 with light secondaries');
    fanout.light_1000 = (await benchFanout({ sizes: [1000], changes: runs, singleChanges: 0, reconnect: false, light: true, profile: false, log }))[1000];
  }
  if (fleetSizes.includes(1000) && process.env.FLEET_MEMORY !== '0') {
    log('what an idle stream costs the primary: heap snapshots at 0 / 500 / 1,000');
    fanout.memory = await measureStreamMemory({ sizes: [0, 500, 1000], log });
  }
  return fanout;
}

async function runAll() {
  log(`relay throughput (N = ${quick ? 2000 : 20000})`);
  const relay = await benchRelay({ n: quick ? 2000 : 20000, postfixN: quick ? 1000 : 5000, smallN: quick ? 100 : 500, runs, log });
  log('intake under backlog');
  const intake = await benchIntake({ backlogs: quick ? [0, 10000] : [0, 10000, 100000], runs, log });
  log('fan-out');
  const fanout = await fanoutBench();
  log('footprint');
  const footprint = await benchFootprint({ runs, log });
  log(`outbox backlog (${quick ? 'BENCH_QUICK: 20 x 1 MB, 5,000 small, 1,000 digests' : '1,000 x 5 MB, 100,000 small, 10,000 digests'})`);
  const backlog = await benchBacklog({ quick, runs, log });
  log('live reload');
  const reload = await benchReload({ samples: quick ? 5 : 30, log });

  const big = quick ? 10000 : 100000;
  const results = {
    measured_at: new Date().toISOString(),
    relay_msgs_per_s: relay.relay.median,
    nodemailer_msgs_per_s: relay.nodemailer.median,
    smtp_source_msgs_per_s: relay.smtp_source?.median ?? null,
    postfix_smtp_msgs_per_s: relay.postfix_smtp?.median ?? null,
    postfix_sendmail_msgs_per_s: relay.postfix_sendmail?.median ?? null,
    msmtp_msgs_per_s: relay.msmtp?.median ?? null,
    intake_p99_ms: intake[0].p99_ms,
    ...intakeResults(intake),
    intake_rate_ratio_100k: intake[big].rate_per_s / intake[0].rate_per_s,
    ...fleetResults(fanout),
    idle_rss_mb: footprint.rss_mb,
    start_ms: footprint.start_ms,
    backlog_rss_mb_5gb: backlog.large.rss_mb,
    backlog_burst_rss_mb_5gb: backlog.large.burst_rss_mb,
    backlog_restart_peak_rss_mb_5gb: backlog.large.restart_peak_rss_mb,
    backlog_restart_ready_ms_5gb: backlog.large.restart_ready_ms,
    backlog_rss_mb_100k: backlog.many.rss_mb,
    backlog_burst_rss_mb_100k: backlog.many.burst_rss_mb,
    backlog_restart_ready_ms_100k: backlog.many.restart_ready_ms,
    alert_behind_digests_ms: median(backlog.alert_ms),
    live_reload_apply_ms_p50: reload.all.p50_ms,
    live_reload_apply_ms_p99: reload.all.p99_ms,
  };
  writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify({ quick, ...results, detail: { relay, intake, fanout, footprint, backlog, reload } }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), render({ relay, intake, fanout, footprint, backlog, reload, quick, runs, results }));
  log(`BENCHMARKS.md and bench-results.json written in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
