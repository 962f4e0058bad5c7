#!/usr/bin/env node
// `npm run bench`: every figure measured against a baseline in the same run (this machine is
// shared and noisy), medians of 3 runs, written to BENCHMARKS.md and bench-results.json.
// BENCH_QUICK=1 runs a smaller version to check the harness.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchBacklog } from './backlog.mjs';
import { benchFanout } from './fanout.mjs';
import { benchFootprint } from './footprint.mjs';
import { benchIntake } from './intake.mjs';
import { cleanupAll, median, ROOT } from './lib.mjs';
import { benchRelay } from './relay.mjs';
import { benchReload } from './reload.mjs';
import { render } from './report.mjs';

const quick = process.env.BENCH_QUICK === '1';
const runs = 3;
const log = (line) => console.log(line);
const started = Date.now();
process.on('SIGINT', () => cleanupAll().then(() => process.exit(130)));

try {
  log(`relay throughput (N = ${quick ? 2000 : 20000})`);
  const relay = await benchRelay({ n: quick ? 2000 : 20000, postfixN: quick ? 1000 : 5000, smallN: quick ? 100 : 500, runs, log });
  log('intake under backlog');
  const intake = await benchIntake({ backlogs: quick ? [0, 10000] : [0, 10000, 100000], runs, log });
  log('fan-out');
  const fanout = await benchFanout({ sizes: quick ? [100] : [100, 500], changes: runs, singleChanges: quick ? 10 : 40, log });
  log('footprint');
  const footprint = await benchFootprint({ runs, log });
  log(`outbox backlog (${quick ? 'BENCH_QUICK: 20 x 1 MB, 5,000 small, 1,000 digests' : '1,000 x 5 MB, 100,000 small, 10,000 digests'})`);
  const backlog = await benchBacklog({ quick, runs, log });
  log('live reload');
  const reload = await benchReload({ samples: quick ? 5 : 30, log });

  const big = quick ? 10000 : 100000;
  const fan = fanout[quick ? 100 : 500];
  const results = {
    relay_msgs_per_s: relay.relay.median,
    nodemailer_msgs_per_s: relay.nodemailer.median,
    postfix_smtp_msgs_per_s: relay.postfix_smtp?.median ?? null,
    postfix_sendmail_msgs_per_s: relay.postfix_sendmail?.median ?? null,
    msmtp_msgs_per_s: relay.msmtp?.median ?? null,
    intake_p99_ms: intake[0].p99_ms,
    intake_rate_ratio_100k: intake[big].rate_per_s / intake[0].rate_per_s,
    fanout_p99_ms_500: fan.p99_ms,
    fanout_baseline_p99_ms_500: fan.baseline_p99_ms,
    primary_rss_mb_500: fan.primary_rss_mb,
    single_propagation_p99_ms: fanout.single.p99_ms,
    idle_rss_mb: footprint.rss_mb,
    start_ms: footprint.start_ms,
    backlog_rss_mb_5gb: backlog.large.rss_mb,
    backlog_restart_peak_rss_mb_5gb: backlog.large.restart_peak_rss_mb,
    backlog_restart_ready_ms_5gb: backlog.large.restart_ready_ms,
    backlog_rss_mb_100k: backlog.many.rss_mb,
    backlog_restart_ready_ms_100k: backlog.many.restart_ready_ms,
    alert_behind_digests_ms: median(backlog.alert_ms),
    live_reload_apply_ms_p50: reload.all.p50_ms,
    live_reload_apply_ms_p99: reload.all.p99_ms,
  };
  writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify({ quick, ...results, detail: { relay, intake, fanout, footprint, backlog, reload } }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), render({ relay, intake, fanout, footprint, backlog, reload, quick, runs, results }));
  log(`BENCHMARKS.md and bench-results.json written in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await cleanupAll();
}
process.exit(0);

