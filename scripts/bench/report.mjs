import { cpus, totalmem } from 'node:os';
import { BURST_MS, SETTLE_MS } from './backlog.mjs';
import { HEAP_LAYERS } from './fanout-memory.mjs';

const BURST = `${BURST_MS / 1000} s`;
const SETTLED = `${SETTLE_MS / 1000} s`;

/** The mean CPU per change beside the median, where the run has it (a compaction every ~7th change). */
const meanCpu = (v) => (v.primary_cpu_ms_per_change_mean == null ? '' : ` (mean ${Math.round(v.primary_cpu_ms_per_change_mean)})`);

/** BENCHMARKS.md from a run's figures (also re-rendered from bench-results.json's detail). */
export function render({ relay, intake, fanout, footprint, backlog, reload, quick, runs, results, measuredAt = new Date() }) {
  const r = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Number(x).toFixed(d));
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  const rel = relay.relay.median;
  /** One row of the fan-out table: a size, or the light run (whose KB per idle stream is n/a: one size). */
  const fanoutRow = (label, v) =>
    `| ${label} | ${r(v.p50_ms)} | ${r(v.p99_ms)} | ${r(v.baseline_p99_ms)} | ${ratio(v.p99_ms, v.baseline_p99_ms)} | ${r(v.primary_written_ms)} | ${v.primary_cpu_ms_per_change === null && v.primary_idle_settled === false ? `n/a: idle not settled (${r(v.primary_cpu_ms_per_change_raw)} with idle)` : `${r(v.primary_cpu_ms_per_change)}${meanCpu(v)}`} | ${r(v.baseline_server_cpu_ms_per_change)} | ${r(v.secondaries_cpu_ms_per_change)} (${r(v.baseline_clients_cpu_ms_per_change)}) | ${r(v.primary_idle_cpu_pct, 1)} | ${r(v.primary_rss_mb)} (${r(v.baseline_rss_mb)}) | ${r(v.kb_per_idle_stream)} | ${v.max_process_elu === undefined ? 'n/a' : `${r(v.max_process_elu * 100)} %`} |`;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${quick ? ' (BENCH_QUICK: smaller sizes)' : ''} on ${measuredAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Medians of ${runs} runs; every ratio is against a baseline measured in the same run.`,
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
    ...(relay.relay.cpu_ms_per_msg ? relayCpuTable(relay, r) : []),
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
    `One primary (a real daemon); N centralized secondaries running the daemon's own client code, ${fanout.secondaries_per_process ?? 'many'} per process (${fanout.processes ?? '?'} processes; the busiest process's event-loop utilization during a change is in the table), each with its own state folder on tmpfs and connecting from its own loopback source address block. One settings change written to the primary's file: time from the write to each secondary's "applied" (after its durable state write); the primary's share: from the write to its log line saying the new version was written on every stream (file watch, reload, durable version bump included); its CPU time per change (/proc, reports and record writes included, idle rate subtracted). Baseline: a bare grpc-js server pushing the same payload over TLS to the same number of streams from the same number of processes, each client on a connection of its own (as each secondary is; before session 12 the clients of a process shared one) and answering on its stream (as secondaries report on their Session); its time starts at the push, not at a file write.`,
    '',
    '| secondaries | p50 ms | p99 ms | bare grpc-js p99 ms | p99 ratio | primary: written on every stream ms | primary CPU ms / change, median (mean) | bare grpc-js server CPU ms / push | CPU ms / change of all secondaries (bare clients) | primary idle CPU % | primary RSS MB (bare grpc-js server) | KB per idle stream | busiest secondary process ELU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(fanout).filter(([k]) => /^\d+$/.test(k)).map(([n, v]) => fanoutRow(n, v)),
    ...(fanout.light_1000 ? [fanoutRow('1000 light (see below)', fanout.light_1000)] : []),
    '',
    ...(fanout.light_1000 ? ['"1000 light": the same primary, with a fresh fleet of 1,000 light secondaries after the sizes above. Each joins as the daemon does (token, certificate, Join, credential), then holds a bare Session that reports every update at once: no check of the settings, no durable state write, no listener. They still cost 2-3x a bare client (the daemon\'s client code, grpc-js\'s per-call path, IPC to the bench), so this row removes most, not all, of the secondaries\' competition for the same 2 cores: it is mostly the primary\'s own share of the fan-out. Its baseline is a bare grpc-js run of its own.', ''] : []),
    `One secondary, file write to applied over ${fanout.single.samples} changes: p50 ${r(fanout.single.p50_ms)} ms, p99 ${r(fanout.single.p99_ms)} ms, max ${r(fanout.single.max_ms)} ms.${fanout.idle_rss_mb ? ` Primary RSS before any secondary: ${r(fanout.idle_rss_mb)} MB.` : ''}${fanout.memory ? '' : ' What an idle stream costs, by layer, from heap snapshots at 0 / 500 / 1,000: [fleet-memory.md](docs/explanation/fleet-memory.md).'}`,
    ...(fanout.memory ? ['', ...streamMemoryTables(fanout.memory, r)] : []),
    ...(fanout.join_ms ? ['', `Joins (token, certificate fetch, Join call, durable state on both ends), ${fanout.join_ms.joins} of them, up to ${fanout.processes} at once: p50 ${r(fanout.join_ms.p50)} ms, p99 ${r(fanout.join_ms.p99)} ms, max ${r(fanout.join_ms.max)} ms each.`] : []),
    ...(fanout.reconnect
      ? [
          '',
          ...(fanout.reconnect_2000 ? [`Reconnect storm at 2,000 secondaries, the same way: all back ${r(fanout.reconnect_2000.from_restart_ms)} ms after the restart began; the primary's peak RSS ${r(fanout.reconnect_2000.peak_rss_mb)} MB.`, ''] : []),
          `Reconnect storm: ${fanout.reconnect.secondaries} secondaries connected, the primary killed with SIGKILL, a new version written while it is down, the primary restarted (ready in ${r(fanout.reconnect.primary_start_ms)} ms): all ${fanout.reconnect.secondaries} applied the new version ${r(fanout.reconnect.from_restart_ms)} ms after the restart began (${r(fanout.reconnect.from_kill_ms)} ms after the kill); the primary's peak RSS ${r(fanout.reconnect.peak_rss_mb)} MB, its CPU meanwhile ${r(fanout.reconnect.cpu_ms)} ms.`,
        ]
      : []),
    '',
    '## Footprint',
    '',
    '| process | start to ready ms | RSS MB |',
    '|---|---|---|',
    `| idle appliance-mail daemon (primary, federation off) | ${r(footprint.start_ms)} | ${r(footprint.rss_mb)} |`,
    `| bare node importing the same packages | ${r(footprint.bare_start_ms)} | ${r(footprint.bare_rss_mb)} |`,
    '',
    ...(backlog
      ? [
          '## Outbox backlog',
          '',
          `Mail server down; the backlog queued through the control socket; RSS ${BURST} after the last submission (the intake's garbage not yet returned) and ${SETTLED} after (held with the backlog, once V8's memory reducer ran: it starts 8 s after allocation stops). Then kill -9 and a restart on the same state folder: peak RSS (sampled every 10 ms) and time until \`status\` answers (a new client each 10 ms, as \`appliance-mail status\` would be: a long-lived one waits out the reconnect back-off). Last row: with the digests queued and the server back (draining), time from a new alert's submission to its arrival at the sink (median of runs).`,
          '',
          `| backlog | MB queued | RSS MB, ${BURST} after | RSS MB, ${SETTLED} after | index snapshot at the kill | restart peak RSS MB | restart to status ms |`,
          '|---|---|---|---|---|---|---|',
          ...[backlog.large, backlog.many].map((b) => `| ${b.count.toLocaleString('en')} x ${b.message_bytes >= 1024 ? `${r(b.message_bytes / 1024)} KB` : `${b.message_bytes} bytes`} | ${r(b.queued_mb)} | ${b.burst_rss_mb === undefined ? 'n/a' : r(b.burst_rss_mb)} | ${r(b.rss_mb)} | ${b.snapshot_at_kill === undefined ? 'n/a' : b.snapshot_at_kill ? 'yes' : 'no'} | ${r(b.restart_peak_rss_mb)} | ${r(b.restart_ready_ms)} |`),
          '',
          `Alert behind digests: ${backlog.alert_ms.map((x) => r(x)).join(', ')} ms.`,
          '',
        ]
      : []),
    ...(reload ? [
      '## Live reload',
      '',
      'A running daemon; its config file saved with a new sender, the three ways editors and tools save: time from the write (or the rename) to `status` showing the new sender. The integration tests check that each way is applied; the time is measured here.',
      '',
      '| save | p50 ms | p99 ms | max ms | samples |',
      '|---|---|---|---|---|',
      ...Object.entries(reload).map(([way, v]) => `| ${way.replace(/_/g, ' ')} | ${r(v.p50_ms, 1)} | ${r(v.p99_ms, 1)} | ${r(v.max_ms, 1)} | ${v.samples} |`),
      '',
    ] : []),
    '## Targets',
    '',
    'A miss names what bounds it, from the profiles of the same commit ([docs/PROFILE-intake.md](docs/PROFILE-intake.md), [docs/PROFILE-relay.md](docs/PROFILE-relay.md), [docs/PROFILE-restart.md](docs/PROFILE-restart.md)) and the fleet analysis ([fleet-performance.md](docs/explanation/fleet-performance.md)).',
    '',
    '| target | reached | met | what bounds a miss |',
    '|---|---|---|---|',
    ...targets(results, relay).map(([t, v, ok, bound]) => `| ${t} | ${v} | ${v.startsWith('n/a') ? 'not measured' : ok ? 'yes' : '**no**'} | ${ok || v.startsWith('n/a') ? '' : (bound ?? '')} |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** CPU per message summed over a run's parts, and the rate that sum allows on this machine's cores. */
const cpuSum = (parts) => Object.values(parts).reduce((a, b) => a + b, 0);
const ceilingPerS = (msPerMessage) => (cpus().length * 1000) / msPerMessage;

/** What bounds the relay against bare nodemailer, from the CPU each part took in the same runs. */
function relayBound(x, relay, f) {
  const ours = relay?.relay.cpu_ms_per_msg;
  const bare = relay?.nodemailer.cpu_ms_per_msg;
  if (!ours || !bare) return 'CPU per part not measured in this run.';
  const sum = cpuSum(ours);
  const needed = (cpus().length * 1000) / (1.3 * x.nodemailer_msgs_per_s);
  return `CPU: every part of a relay run shares ${cpus().length} cores, and per message they take ${f(sum, 2)} ms (the submitting client ${f(ours.client, 2)}, the daemon's main thread ${f(ours.daemon_main, 2)}, its SMTP worker ${f(ours.daemon_smtp_worker, 2)}, its other threads ${f(ours.daemon_other, 2)}, the sink ${f(ours.sink, 2)}): a ceiling of ${f(ceilingPerS(sum))} msg/s. Bare nodemailer is one thread at ${f(bare.client, 2)} ms per message (MIME building included) beside its sink. 1.3x the baseline's ${f(x.nodemailer_msgs_per_s)} msg/s needs the sum under ${f(needed, 2)} ms. Sending stored bytes over our own pool of SMTPConnections took the worker from 0.47 to ${f(ours.daemon_smtp_worker, 2)} ms (src/relay/smtp-pool.ts); the main thread is a gRPC call, a render and an fdatasync'd journal append per message, with GC a share of it (the unit's 4 MB young generation; PROFILE-relay.md).`;
}

/**
 * Where the CPU of a relay run goes, per message: on this machine's cores the sum bounds the rate
 * (a core gives 1,000 ms a second), whoever is fastest per part.
 */
function relayCpuTable(relay, r) {
  const ours = relay.relay.cpu_ms_per_msg;
  const bare = relay.nodemailer.cpu_ms_per_msg;
  const cell = (v) => (v === undefined ? '-' : r(v, 3));
  const row = (name, a, b) => `| ${name} | ${cell(a)} | ${cell(b)} |`;
  return [
    `CPU per message (ms, median of the runs, from /proc), and the ceiling it sets on ${cpus().length} cores (${cpus().length * 1000} ms of CPU a second over the sum):`,
    '',
    '| part | appliance-mail | bare nodemailer |',
    '|---|---|---|',
    row('submitting client (bench process; for the baseline, nodemailer itself)', ours.client, bare.client),
    row('daemon main thread (gRPC intake, render, journal, outbox)', ours.daemon_main),
    row('daemon SMTP worker thread', ours.daemon_smtp_worker),
    row("daemon's other threads (V8 GC helpers, libuv pool: fdatasync)", ours.daemon_other),
    row('sink (smtp-server, its own process)', ours.sink, bare.sink),
    row('sum', cpuSum(ours), cpuSum(bare)),
    `| ceiling msg/s | ${r(ceilingPerS(cpuSum(ours)))} | ${r(ceilingPerS(cpuSum(bare)))} (one thread sends: ${r(1000 / bare.client)}) |`,
    '',
  ];
}

function targets(x, relay) {
  const f = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));
  const relayRatio = x.relay_msgs_per_s / x.nodemailer_msgs_per_s;
  const postfixRatio = x.postfix_smtp_msgs_per_s ? x.relay_msgs_per_s / x.postfix_smtp_msgs_per_s : NaN;
  const wireRatio = x.smtp_source_msgs_per_s ? x.relay_msgs_per_s / x.smtp_source_msgs_per_s : NaN;
  const fanRatio = x.fanout_p99_ms_500 / x.fanout_baseline_p99_ms_500;
  const fanRatio1000 = x.fanout_p99_ms_1000 / x.fanout_baseline_p99_ms_1000;
  return [
    ['relay >= 1.3x bare pooled nodemailer (sending stored bytes, against a library building MIME per send)', `${f(relayRatio, 2)}x`, relayRatio >= 1.3, relayBound(x, relay, f)],
    ['relay >= 1.5x Postfix fed over SMTP', `${f(postfixRatio, 2)}x`, postfixRatio >= 1.5],
    ['relay >= 0.5x smtp-source into smtp-sink (the wire)', `${f(wireRatio, 2)}x`, wireRatio >= 0.5, `smtp-source is C, pipelines and stores nothing (${f(x.smtp_source_msgs_per_s)} msg/s); bare nodemailer reaches ${f(x.nodemailer_msgs_per_s / x.smtp_source_msgs_per_s, 2)}x of it in this run. 0.5x is ${f(x.smtp_source_msgs_per_s / 2)} msg/s: ${relay?.relay.cpu_ms_per_msg ? `the bench's own submitting client and sink alone take ${f(relay.relay.cpu_ms_per_msg.client + relay.relay.cpu_ms_per_msg.sink, 2)} ms of CPU per message (table above), a ceiling of ${f(ceilingPerS(relay.relay.cpu_ms_per_msg.client + relay.relay.cpu_ms_per_msg.sink))} msg/s on these cores before the daemon does anything` : 'beyond what the JS parts around the daemon leave on these cores'}.`],
    ...[['0', 'intake_p99_ms_0'], ['10,000', 'intake_p99_ms_10k'], ['100,000', 'intake_p99_ms_100k']]
      .filter(([, key]) => x[key] != null)
      .map(([backlog, key]) => [
        `intake p99 <= 5 ms at 1,000/s offered, backlog ${backlog}`,
        `${f(x[key], 1)} ms`,
        x[key] <= 5,
        'p50 stays near 1-2 ms, the daemon\'s own event-loop delay p99 is a few ms in the profile (GC 6-9 % of its main thread) and a write + fdatasync on this disk has p99 0.8 ms. The slow answers come in clusters, held together: two thirds of them beside a collection in the daemon (scavenges 2-3 ms, mark-compacts 6-11 ms), a quarter beside an fdatasync of 4-14 ms on the shared disk, the rest on the client\'s side (its GC, waiting for a core: client and daemon share 2). A lean client of our own without grpc-js still measured p99 9-27 ms; pinning, renicing or a larger young generation for the client did not bring p99 under ~20 ms (docs/explanation/performance.md).',
      ]),
    ['intake rate at 100,000 backlog >= 0.9x the rate at 0', `${f(x.intake_rate_ratio_100k, 2)}x`, x.intake_rate_ratio_100k >= 0.9],
    ['fan-out p99 <= 1.3x bare grpc-js at N = 500', `${f(fanRatio, 2)}x`, fanRatio <= 1.3, `The secondaries' own work (durable state write, verify, Report) on the same 2 cores: p99 follows their CPU per change divided by the cores.`],
    ['fan-out p99 <= 1.3x bare grpc-js at N = 1,000', `${f(fanRatio1000, 2)}x`, fanRatio1000 <= 1.3, `The secondaries' CPU per change ${f(x.secondaries_cpu_ms_per_change_1000)} ms against ${f(x.baseline_clients_cpu_ms_per_change_1000)} ms for the bare clients, on the same 2 cores (a durable state write, a check and listeners on each).${x.fanout_light_p99_ms_1000 ? ` With light secondaries (the table's last row) the same primary reaches ${f(x.fanout_light_p99_ms_1000)} ms, ${f(x.fanout_light_p99_ms_1000 / x.fanout_light_baseline_p99_ms_1000, 2)}x its bare baseline: that is mostly the primary's own share of the miss (its Report handling and node records beside the transport: see the CPU target below).` : ''}`],
    ['primary RSS <= 150 MB at N = 1,000', `${f(x.primary_rss_mb_1000)} MB`, x.primary_rss_mb_1000 <= 150, `${f(x.baseline_rss_mb_1000)} MB is a bare grpc-js server holding the same 1,000 TLS connections. Most of the rest is what the 1,000 joins leave in malloc's arena: the same secondaries reconnected to a restarted primary, with no join, held 143 MB in session 12 (docs/explanation/fleet-memory.md); our records and streams are ~1.5 KB per node.`],
    ['primary CPU per change <= 100 ms at N = 1,000', `${f(x.primary_cpu_ms_per_change_1000)} ms`, x.primary_cpu_ms_per_change_1000 <= 100, `The bare grpc-js server spends ${f(x.baseline_server_cpu_ms_per_change_1000)} ms per change for the same transport work (the same bytes on 1,000 streams over 1,000 TLS connections, 1,000 answers on them)${x.baseline_server_cpu_ms_per_change_1000 >= 100 ? ': the goal is under what bare grpc-js itself takes on this machine' : ''}. Ours took ${f(x.primary_cpu_ms_per_change_1000 / x.baseline_server_cpu_ms_per_change_1000, 2)}x that${x.primary_cpu_ms_per_change_light_1000 ? `, and ${f(x.primary_cpu_ms_per_change_light_1000)} ms against ${f(x.fanout_light_baseline_server_cpu_ms_per_change_1000)} with light secondaries` : ''}, with the Report handling, durable node records and the config reload on top of the transport; a profile of the primary under the fleet (docs/explanation/fleet-performance.md) finds no single frame of ours above ~15 ms per change.`],
    ['reconnect storm, 1,000: all on the current version within 60 s', `${f(x.reconnect_all_ms_1000)} ms`, x.reconnect_all_ms_1000 != null && x.reconnect_all_ms_1000 <= 60000],
    ['reconnect storm, 1,000: primary peak RSS <= 250 MB', `${f(x.reconnect_peak_rss_mb_1000)} MB`, x.reconnect_peak_rss_mb_1000 != null && x.reconnect_peak_rss_mb_1000 <= 250],
    ['one secondary: file write to applied p99 <= 50 ms', `${f(x.single_propagation_p99_ms)} ms`, x.single_propagation_p99_ms <= 50],
    ['idle daemon RSS <= 90 MB', `${f(x.idle_rss_mb)} MB`, x.idle_rss_mb <= 90],
    ['start to ready <= 1 s', `${f(x.start_ms)} ms`, x.start_ms <= 1000],
    [`backlog 1,000 x 5 MB: RSS <= 150 MB (${SETTLED} after the last submission)`, `${f(x.backlog_rss_mb_5gb)} MB (${BURST} after: ${f(x.backlog_burst_rss_mb_5gb)} MB)`, x.backlog_rss_mb_5gb <= 150, `~82 MB is the idle daemon; the rest is 5 MB buffers freed after intake that V8 has not collected yet.`],
    ['backlog 1,000 x 5 MB: restart peak RSS <= 200 MB', `${f(x.backlog_restart_peak_rss_mb_5gb)} MB`, x.backlog_restart_peak_rss_mb_5gb <= 200],
    ['backlog 1,000 x 5 MB: restart to status <= 2,000 ms', `${f(x.backlog_restart_ready_ms_5gb)} ms`, x.backlog_restart_ready_ms_5gb <= 2000, `Start-up reads the index snapshot the daemon took before the kill (if it had: the table says), then the journal's records after it; without a snapshot, every record's head and meta (a small read after each large body) and the newest segment's bodies (up to 64 MB, CRC). Loading the modules a daemon needs is ~0.6 s of it. Where a restart goes: docs/PROFILE-restart.md.`],
    [`backlog 100,000 small: RSS <= 150 MB (${SETTLED} after the last submission)`, `${f(x.backlog_rss_mb_100k)} MB (${BURST} after: ${f(x.backlog_burst_rss_mb_100k)} MB)`, x.backlog_rss_mb_100k <= 150, `The index holds an object per message, ~420 B each with its deferral (strings and recipients shared across entries; a typed-array index is not done); 2 s after the burst, also the intake's garbage that V8's memory reducer has not yet returned.`],
    ['backlog 100,000 small: restart to status <= 2,000 ms', `${f(x.backlog_restart_ready_ms_100k)} ms`, x.backlog_restart_ready_ms_100k <= 2000, `CPU-bound, in the shares of docs/PROFILE-restart.md: garbage collection, reading the index snapshot (or, without one, every record: framing, CRC, JSON), building the sums and the schedule, loading modules (an empty daemon answers in ~0.6 s).`],
    ['alert behind 10,000 digests: submission to arrival <= 500 ms', `${f(x.alert_behind_digests_ms)} ms`, x.alert_behind_digests_ms <= 500],
    ...(x.live_reload_apply_ms_p99 !== undefined ? [['live reload: file write to applied p99 < 1 s', `${f(x.live_reload_apply_ms_p99, 1)} ms`, x.live_reload_apply_ms_p99 < 1000]] : []),
  ];
}

/** BENCHMARKS.md's memory breakdown: the primary at each size, then per idle stream between sizes. */
function streamMemoryTables(memory, r) {
  const { points, steps } = memory;
  const maps = (p, kind) => r(p.maps_mb[kind], 1);
  const stepCells = (pick) => steps.map((step) => r(pick(step), 1)).join(' | ');
  return [
    '### What an idle stream costs the primary',
    '',
    `A primary daemon with ${points.map((p) => p.n.toLocaleString('en')).join(', then ')} idle centralized secondaries (the daemon's own client code, 25 per process), each size joined just before it is measured: RSS by kind of mapping (\`/proc/PID/smaps\`) in one such fleet, a heap snapshot (\`--heapsnapshot-signal\`) at each size in a second one (writing a snapshot leaves tens of MB in malloc's arena, which the next size's RSS would count as the streams'). RSS here holds what the joins left (a certificate fetch and a connection that carries the Join, then the Session, per node) as the fan-out table's RSS does. Per idle stream: the difference between two sizes over the secondaries added. The heap snapshot holds the JavaScript heap and the native memory Node reports into it (nghttp2's); the rest of RSS is memory it does not see: OpenSSL's per-connection state, and what glibc keeps after it was freed. Which settings bound each layer: [fleet-memory.md](docs/explanation/fleet-memory.md).`,
    '',
    '| idle secondaries | RSS MB | malloc main arena `[heap]` MB | anonymous mappings MB | files (the `node` binary) MB | heap snapshot MB |',
    '|---|---|---|---|---|---|',
    ...points.map((p) => `| ${p.n.toLocaleString('en')} | ${r(p.rss_mb, 1)} | ${maps(p, 'malloc [heap]')} | ${maps(p, 'anonymous')} | ${maps(p, 'files')} | ${r(p.heap_mb, 1)} |`),
    '',
    `| per idle stream, KB | ${steps.map((step) => `${step.from.toLocaleString('en')} → ${step.to.toLocaleString('en')}`).join(' | ')} |`,
    `|---|${steps.map(() => '---|').join('')}`,
    `| RSS | ${stepCells((step) => step.rss_kb)} |`,
    `| of it malloc's main arena (OpenSSL, nghttp2, Node's buffers; the joins' high-water mark) | ${stepCells((step) => step.maps_kb['malloc [heap]'])} |`,
    `| of it anonymous mappings (V8's heap pages, large malloc blocks) | ${stepCells((step) => step.maps_kb.anonymous)} |`,
    `| heap snapshot: all it sees | ${stepCells((step) => step.heap_kb)} |`,
    ...HEAP_LAYERS.map(([layer, label]) => `| — ${label} | ${stepCells((step) => step.layers_kb[layer] ?? 0)} |`),
    '',
  ];
}
