#!/usr/bin/env node
// `npm run bench`: every figure measured against a baseline in the same run (this machine is
// shared and noisy), medians of 3 runs, written to BENCHMARKS.md and bench-results.json.
// BENCH_QUICK=1 runs a smaller version to check the harness.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchFanout } from './fanout.mjs';
import { benchFootprint } from './footprint.mjs';
import { benchIntake } from './intake.mjs';
import { cleanupAll, ROOT } from './lib.mjs';
import { benchRelay } from './relay.mjs';

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
  };
  writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify({ quick, ...results, detail: { relay, intake, fanout, footprint } }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), render({ relay, intake, fanout, footprint, quick }));
  log(`BENCHMARKS.md and bench-results.json written in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await cleanupAll();
}
process.exit(0);

function render({ relay, intake, fanout, footprint, quick }) {
  const r = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toFixed(d));
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  const rel = relay.relay.median;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${quick ? ' (BENCH_QUICK: smaller sizes)' : ''} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Medians of ${runs} runs; every ratio is against a baseline measured in the same run.`,
    '',
    '## Relay throughput',
    '',
    `Small messages to an SMTP sink (smtp-server, STARTTLS) on loopback, from the first submission to the last message received. appliance-mail: ${relay.relay.runs.length} runs of N messages through the control socket by one long-lived client (256 in flight), each acknowledged after fdatasync; the sink runs in its own process.`,
    '',
    '| sender | msg/s (median) | runs | appliance-mail / this |',
    '|---|---|---|---|',
    ...[
      ['appliance-mail (control socket, durable outbox, pooled STARTTLS)', relay.relay],
      ['bare nodemailer, pooled (4 connections), no queue', relay.nodemailer],
      ['Postfix, fed over SMTP by a pooled client, relayhost = sink (fewer messages)', relay.postfix_smtp],
      ['Postfix, through sendmail, 5 in parallel (fewer messages)', relay.postfix_sendmail],
      ['msmtp, 5 in parallel (fewer messages)', relay.msmtp],
    ].map(([name, v]) => `| ${name} | ${r(v?.median)} | ${v ? v.runs.map((x) => r(x)).join(', ') : 'skipped'} | ${ratio(rel, v?.median)} |`),
    '',
    '## Intake under backlog',
    '',
    'The mail server is down; with the backlog queued, 2,000 more submissions at 1,000/s offered (an open loop). Time from the call to the durable "accepted".',
    '',
    '| backlog | p50 ms | p99 ms (median of runs) | p99 per run | intake/s | rate / rate at 0 |',
    '|---|---|---|---|---|---|',
    ...Object.entries(intake).map(([b, v]) => `| ${Number(b).toLocaleString('en')} | ${r(v.p50_ms, 2)} | ${r(v.p99_ms, 2)} | ${v.p99_runs.map((x) => r(x, 1)).join(', ')} | ${r(v.rate_per_s)} | ${ratio(v.rate_per_s, intake[0].rate_per_s)} |`),
    '',
    '## Fan-out',
    '',
    'One primary (a real daemon); N centralized secondaries running the daemon\'s own client code, many per process (4 processes); one settings change written to the primary\'s file: time from the write to each secondary\'s "applied" (after its durable state write). Baseline: a bare grpc-js server pushing the same payload over TLS to the same number of streams, each client answering with a unary call; its time starts at the push, not at a file write.',
    '',
    '| secondaries | p50 ms | p99 ms | max ms | bare grpc-js p99 ms | p99 ratio | primary RSS MB |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(fanout).filter(([k]) => k !== 'single').map(([n, v]) => `| ${n} | ${r(v.p50_ms)} | ${r(v.p99_ms)} | ${r(v.max_ms)} | ${r(v.baseline_p99_ms)} | ${ratio(v.p99_ms, v.baseline_p99_ms)} | ${r(v.primary_rss_mb)} |`),
    '',
    `One secondary, file write to applied over ${fanout.single.samples} changes: p50 ${r(fanout.single.p50_ms)} ms, p99 ${r(fanout.single.p99_ms)} ms, max ${r(fanout.single.max_ms)} ms.`,
    '',
    '## Footprint',
    '',
    '| process | start to ready ms | RSS MB |',
    '|---|---|---|',
    `| idle appliance-mail daemon (primary, federation off) | ${r(footprint.start_ms)} | ${r(footprint.rss_mb)} |`,
    `| bare node importing the same packages | ${r(footprint.bare_start_ms)} | ${r(footprint.bare_rss_mb)} |`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
