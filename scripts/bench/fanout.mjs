// Fan-out: one primary (a real daemon), N centralized secondaries (the daemon's own client code),
// one settings change written to the primary's file: time from the write to each secondary's
// "applied", the primary's own share (write to the new version written on every stream) and its
// CPU time per change. Then a reconnect storm: kill -9 of the primary with N connected, a new
// version while it is down, a restart: time until all N applied it, the primary's peak RSS.
// Baseline in the same run: a bare grpc-js server pushing the same payload to the same number of
// TLS streams from the same client processes, each client answering on its stream (as secondaries
// report on their Session). Beside the
// latencies, the CPU per change of both servers and of both sets of client processes (on a shared
// machine the secondaries' own work competes with the primary), and the bare server's RSS.
//
// The secondaries are spread over processes of SECONDARIES_PER_PROCESS, each with its own state
// folder on tmpfs (on a fleet every Appliance has its own disk) and its own block of loopback
// source addresses (local-address.mjs). Each process's event-loop utilization during a change is
// measured and reported: it shows whether the harness or the primary bounds the figure.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { connectControl } from '../../dist/control/client.js';
import { cpuMs, joinSecondaries, joinTokens, median, onCleanup, peakRssMb, percentile, ROOT, rssMb, sleep, startDaemon, within } from './lib.mjs';

/**
 * 25 secondaries per process: a change costs each secondary a decode, a durable state write
 * (tmpfs) and a Report on its Session, 1-2 ms of CPU, so a process's loop is busy some 25-50 ms per
 * change; 40 processes hold 1,000. With 50 per process the busiest loop was measured at ~90 %
 * utilization during a change (saturated); more processes only add Node runtimes (~45 MB each)
 * competing for the same cores. The figure is reported per run (max_process_elu).
 */
const SECONDARIES_PER_PROCESS = 25;
/** Waits are bounded: a change or a storm that does not complete fails the benchmark. */
const CHANGE_TIMEOUT_MS = 60_000;
/** 80 processes loading the daemon's client code on 2 cores. */
const WORKERS_READY_MS = 120_000;
/** Every bare client connected: a storm of TLS handshakes against one server, as the primary's after a restart. */
const CONNECT_TIMEOUT_MS = 180_000;
const STORM_TIMEOUT_MS = 120_000;
/** The primary's idle rate: windows of this length, two in a row within 2 points of CPU, at most 30 s. */
const IDLE_WINDOW_MS = 2000;
const IDLE_AGREE = 0.02;
const IDLE_SETTLE_MAX_MS = 30_000;

function child(script, args = [], env = {}, execArgv = []) {
  const proc = fork(join(ROOT, 'scripts/bench', script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, execArgv });
  onCleanup(() => proc.kill('SIGKILL'));
  const handlers = new Set();
  proc.on('message', (m) => handlers.forEach((h) => h(m)));
  return {
    proc,
    on: (h) => handlers.add(h),
    once: (pred) => new Promise((resolve) => {
      const h = (m) => { if (pred(m)) { handlers.delete(h); resolve(m); } };
      handlers.add(h);
    }),
  };
}

/** Asks a child to exit on its own (a CPU profile is written only then) and waits until it did. */
function exitOnRequest(c, message) {
  const exited = new Promise((resolve) => c.proc.once('exit', resolve));
  c.proc.send(message);
  return exited;
}

async function waitFor(what, pred, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** The time (ms since epoch) the primary logged that `version` was written to every stream. */
function writtenAt(primary, version) {
  for (const line of primary.logs().split('\n')) {
    if (!line.includes('"new version written to every stream"')) continue;
    const entry = JSON.parse(line);
    if (entry.version === version) return { at: Date.parse(entry.time), streams: entry.streams };
  }
  return null;
}

/**
 * `light`: the secondaries join as the daemon does, then each holds a bare Session that reports
 * every update at once (fanout-worker.mjs, FLEET_WORKER_LIGHT): no check, no durable state write, no
 * listener; still 2-3x what a bare client costs. The primary is the same daemon, so the figures
 * against the bare baseline are mostly the primary's own share, with little of the secondaries'
 * work competing for the cores.
 */
export async function benchFanout({ sizes, changes, singleChanges, reconnect = true, light = false, profile = true, log }) {
  // The FLEET_*_CPU_PROF folders take one run's profiles and windows (`profile`: false leaves them alone).
  const profDir = (name) => (profile ? process.env[name] : undefined);
  const maxSize = Math.max(...sizes);
  const processes = Math.ceil(maxSize / SECONDARIES_PER_PROCESS);
  const shm = mkdtempSync('/dev/shm/am-fleet-');
  onCleanup(() => rmSync(shm, { recursive: true, force: true }));
  // Port 0: the primary binds a port the system picks and status says which.
  // FLEET_CPU_PROF=DIR writes the primary's CPU profile there (at its graceful stop, so not with the storm).
  // FLEET_PRIMARY_NODE_ARGS='--max-semi-space-size=16' runs the primary with other node flags than
  // the unit's (the last of a flag wins): what a heap setting costs or saves, in the same harness.
  const args = [
    ...(profDir('FLEET_CPU_PROF') ? ['--cpu-prof', `--cpu-prof-dir=${profDir('FLEET_CPU_PROF')}`] : []),
    ...(process.env.FLEET_PRIMARY_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  // FLEET_PRIMARY_ENV='{"LD_PRELOAD":"..."}' adds to the unit's environment (another allocator).
  const extraEnv = JSON.parse(process.env.FLEET_PRIMARY_ENV ?? '{}');
  const primary = await startDaemon('fanout-primary', { mailServer: { enabled: false, tls: true }, federation: { listen: '127.0.0.1:0' } }, { args, extraEnv });
  let control = connectControl(primary.adminSocket);
  const fedPort = Number(/:(\d+)$/.exec((await control.status()).federation.listen)[1]);
  const idleRssMb = rssMb(primary.pid);

  const profileWindows = [];
  const workers = [];
  const latest = new Map(); // secondary name -> highest version applied
  const applied = new Map(); // version -> arrival times
  const joinMs = [];
  let joined = 0;
  for (let w = 0; w < processes; w++) {
    // FLEET_WORKER_CPU_PROF=DIR profiles the first secondary process (what a secondary spends on a change).
    const profiled = w === 0 && profDir('FLEET_WORKER_CPU_PROF') ? ['--cpu-prof', `--cpu-prof-dir=${profDir('FLEET_WORKER_CPU_PROF')}`] : [];
    const worker = child('fanout-worker.mjs', [], { FLEET_STATE_DIR: join(shm, `p${w}`), FLEET_SOURCE_BLOCK: String(w + 1), FLEET_WORKER_LIGHT: light ? '1' : '0' }, profiled);
    worker.on((m) => {
      if (!m.applied) return;
      if (!applied.has(m.applied.version)) applied.set(m.applied.version, []);
      applied.get(m.applied.version).push(m.applied.at);
      latest.set(m.applied.name, Math.max(latest.get(m.applied.name) ?? 0, m.applied.version));
    });
    workers.push(worker);
  }
  await within(Promise.all(workers.map((w) => w.once((m) => m.ready))), WORKERS_READY_MS, 'the secondary processes to start');
  log(`  ${processes} secondary processes of up to ${SECONDARIES_PER_PROCESS}, state on tmpfs, sources 127.0.{1-${processes}}.{1-20}`);

  const connected = async () => Number((await control.status()).federation.nodes_connected);
  let sender = 0;
  function writeNewSender() {
    const config = JSON.parse(readFileSync(primary.configPath, 'utf8'));
    config.mailServer.sender = `v${++sender}@example.com`;
    writeFileSync(primary.configPath, JSON.stringify(config));
  }
  /** One change: each secondary's write-to-applied ms, the primary's share, its CPU ms. */
  async function change(expected, { settleMs = 0, idleCpuPerMs = 0 } = {}) {
    const version = Number((await control.status()).federation.settings_version) + 1;
    applied.set(version, []);
    await Promise.all(workers.map((w) => { const m = w.once((x) => x.marked); w.proc.send({ mark: true }); return m; }));
    const cpu0 = cpuMs(primary.pid);
    const workersCpu0 = sumCpuMs(workers);
    const start = Date.now();
    const startNs = process.hrtime.bigint();
    writeNewSender();
    await waitFor(`${expected} secondaries on version ${version}`, () => applied.get(version).length >= expected, CHANGE_TIMEOUT_MS);
    const elus = await Promise.all(workers.map((w) => { const m = w.once((x) => x.elu !== undefined); w.proc.send({ measure: true }); return m.then((x) => x.elu); }));
    // Reports and their batched state writes follow the applies: the change's cost includes them.
    if (settleMs) await sleep(settleMs);
    const windowMs = Date.now() - start;
    const rawCpu = cpuMs(primary.pid) - cpu0;
    const cpu = idleCpuPerMs === null ? null : rawCpu - idleCpuPerMs * windowMs;
    const secondariesCpu = sumCpuMs(workers) - workersCpu0;
    const written = writtenAt(primary, version);
    // The same monotonic clock as the CPU profile's timestamps: profile-fanout.mjs keeps the
    // samples taken during changes at the largest size.
    if (expected === maxSize) profileWindows.push([Number(startNs / 1000n), Number(process.hrtime.bigint() / 1000n)]);
    return { latencies: applied.get(version).map((at) => at - start), writtenMs: written ? written.at - start : NaN, cpuMs: cpu, rawCpuMs: rawCpu, secondariesCpuMs: secondariesCpu, maxElu: Math.max(...elus) };
  }
  async function growTo(n) {
    const tokens = await joinTokens(control, n - joined);
    const started = Date.now();
    joinMs.push(...(await joinSecondaries(workers.map((w) => w.proc), `127.0.0.1:${fedPort}`, tokens, joined)));
    const joins = n - joined;
    joined = n;
    for (let i = 0; i < 600 && (await connected()) < n; i++) await sleep(100);
    return { joins, ms: Date.now() - started };
  }
  /**
   * The primary's CPU rate with nothing changing, subtracted from each change's CPU: 2 s windows
   * until two in a row agree within IDLE_AGREE (the joins' reports and node-record writes can go on
   * for seconds after the last secondary connected: at 2,000 one 3 s window right after the joins
   * read 52 %, and the CPU per change came out negative), for at most IDLE_SETTLE_MAX_MS. Not
   * settled: no CPU per change is reported (only the raw figure, idle included).
   */
  async function idleCpuRate() {
    const windowRate = async () => {
      const c0 = cpuMs(primary.pid);
      const t0 = Date.now();
      await sleep(IDLE_WINDOW_MS);
      return (cpuMs(primary.pid) - c0) / (Date.now() - t0);
    };
    const rates = [await windowRate()];
    while (rates.length * IDLE_WINDOW_MS < IDLE_SETTLE_MAX_MS) {
      rates.push(await windowRate());
      const [a, b] = rates.slice(-2);
      if (Math.abs(a - b) <= IDLE_AGREE) return { rate: (a + b) / 2, settled: true, waitedMs: rates.length * IDLE_WINDOW_MS };
    }
    return { rate: rates.at(-1), settled: false, waitedMs: rates.length * IDLE_WINDOW_MS };
  }

  /** The storm: kill -9 with every secondary connected, a new version while the primary is down. */
  async function storm() {
    const n = joined;
    const killedAt = Date.now();
    const cpuBefore = cpuMs(primary.pid);
    control.close();
    primary.kill();
    await sleep(200);
    writeNewSender();
    // The restarted primary must be found on the port its secondaries joined (a live daemon
    // refuses a listen change, so it is pinned only now).
    const onDisk = JSON.parse(readFileSync(primary.configPath, 'utf8'));
    onDisk.federation.listen = `127.0.0.1:${fedPort}`;
    writeFileSync(primary.configPath, JSON.stringify(onDisk));
    const restartAt = Date.now();
    await primary.restart();
    control = connectControl(primary.adminSocket);
    const version = Number((await control.status()).federation.settings_version);
    const cpu0 = cpuMs(primary.pid);
    let peak = rssMb(primary.pid);
    const onVersion = () => [...latest.values()].filter((v) => v >= version).length;
    await waitFor(`${n} secondaries back on version ${version}`, () => {
      peak = Math.max(peak, rssMb(primary.pid));
      return onVersion() >= n;
    }, STORM_TIMEOUT_MS);
    const allAt = Date.now();
    const r = {
      secondaries: n,
      from_kill_ms: allAt - killedAt,
      from_restart_ms: allAt - restartAt,
      primary_start_ms: primary.startMs,
      peak_rss_mb: Math.max(peak, peakRssMb(primary.pid)),
      cpu_ms: cpuMs(primary.pid) - cpu0,
      cpu_before_kill_ms: cpuBefore,
    };
    log(`  reconnect storm, ${n} secondaries: all on v${version} ${r.from_restart_ms} ms after the restart began (${r.from_kill_ms} ms after kill -9); primary peak RSS ${r.peak_rss_mb.toFixed(0)} MB, CPU ${r.cpu_ms} ms`);
    return r;
  }

  const out = { processes, secondaries_per_process: SECONDARIES_PER_PROCESS, idle_rss_mb: idleRssMb };
  // One secondary: file write to applied, many times.
  if (singleChanges > 0) {
    await growTo(1);
    await change(1);
    const single = [];
    for (let i = 0; i < singleChanges; i++) {
      single.push(...(await change(1)).latencies);
      await sleep(20);
    }
    out.single = { p50_ms: percentile(single, 50), p99_ms: percentile(single, 99), max_ms: Math.max(...single), samples: single.length };
    log(`  one secondary: write to applied p50 ${out.single.p50_ms} ms, p99 ${out.single.p99_ms} ms over ${single.length} changes`);
  }

  let rssBase = null;
  for (const n of sizes) {
    const growth = await growTo(n);
    log(`  ${growth.joins} joins in ${(growth.ms / 1000).toFixed(1)} s (${processes} in parallel)`);
    await change(n); // every node on the same version first
    await sleep(1000);
    const rss = rssMb(primary.pid);
    rssBase ??= { n, rss };
    const idle = await idleCpuRate();
    const p50 = [], p99 = [], max = [], written = [], cpu = [], rawCpu = [], secondariesCpu = [], elu = [];
    for (let c = 0; c < changes; c++) {
      const r = await change(n, { settleMs: 1000, idleCpuPerMs: idle.settled ? idle.rate : null });
      p50.push(percentile(r.latencies, 50));
      p99.push(percentile(r.latencies, 99));
      max.push(Math.max(...r.latencies));
      written.push(r.writtenMs);
      cpu.push(r.cpuMs);
      rawCpu.push(r.rawCpuMs);
      secondariesCpu.push(r.secondariesCpuMs);
      elu.push(r.maxElu);
      await sleep(300);
    }
    const baseline = await bareFanout(n, changes, processes, profDir('FLEET_BARE_CPU_PROF'));
    out[n] = {
      p50_ms: median(p50), p99_ms: median(p99), max_ms: median(max),
      primary_written_ms: median(written),
      primary_cpu_ms_per_change: idle.settled ? median(cpu) : null,
      primary_cpu_ms_per_change_raw: median(rawCpu),
      // The mean too: a node-log compaction comes every ~7th change, which a median of few skips.
      primary_cpu_ms_per_change_mean: idle.settled ? cpu.reduce((a, b) => a + b, 0) / cpu.length : null,
      secondaries_cpu_ms_per_change: median(secondariesCpu),
      primary_idle_cpu_pct: idle.rate * 100,
      primary_idle_settled: idle.settled,
      primary_idle_wait_ms: idle.waitedMs,
      primary_rss_mb: rss,
      kb_per_idle_stream: n > rssBase.n ? ((rss - rssBase.rss) * 1024) / (n - rssBase.n) : null,
      max_process_elu: median(elu),
      baseline_p50_ms: baseline.p50, baseline_p99_ms: baseline.p99, baseline_max_ms: baseline.max,
      baseline_server_cpu_ms_per_change: baseline.serverCpuMs, baseline_clients_cpu_ms_per_change: baseline.clientsCpuMs,
      baseline_rss_mb: baseline.rssMb,
    };
    const o = out[n];
    log(`  ${n} ${light ? 'light ' : ''}secondaries: p50 ${o.p50_ms} / p99 ${o.p99_ms} / max ${o.max_ms} ms; bare grpc-js p99 ${baseline.p99} ms; written on every stream ${o.primary_written_ms} ms; primary CPU ${o.primary_cpu_ms_per_change?.toFixed(0) ?? `n/a (idle not settled in ${IDLE_SETTLE_MAX_MS / 1000} s; ${o.primary_cpu_ms_per_change_raw.toFixed(0)} raw)`} ms/change (idle ${o.primary_idle_cpu_pct.toFixed(1)} % after ${o.primary_idle_wait_ms / 1000} s), bare grpc-js server ${baseline.serverCpuMs} ms; secondaries' CPU ${o.secondaries_cpu_ms_per_change} ms/change, bare clients ${baseline.clientsCpuMs} ms; RSS ${rss.toFixed(0)} MB (${o.kb_per_idle_stream?.toFixed(0) ?? 'n/a'} KB per idle stream), bare grpc-js server ${baseline.rssMb.toFixed(0)} MB; busiest secondary process ELU ${(o.max_process_elu * 100).toFixed(0)} %`);
    // The storm at 1,000 (the goal's size) and at the largest size; the primary is back with
    // every secondary connected before the next size grows the fleet.
    if (reconnect && (n === 1000 || n === maxSize)) {
      const r = await storm();
      if (n === 1000 || out.reconnect === undefined) out.reconnect = r;
      out[`reconnect_${n}`] = r;
    }
  }
  out.join_ms = { p50: percentile(joinMs, 50), p99: percentile(joinMs, 99), max: Math.max(...joinMs), joins: joinMs.length };

  if (profDir('FLEET_WORKER_CPU_PROF')) {
    await exitOnRequest(workers[0], { close: true });
    writeFileSync(join(profDir('FLEET_WORKER_CPU_PROF'), 'windows.json'), JSON.stringify(profileWindows));
  }
  for (const worker of workers) worker.proc.kill('SIGKILL');
  control.close();
  await primary.stop();
  if (profDir('FLEET_CPU_PROF')) writeFileSync(join(profDir('FLEET_CPU_PROF'), 'windows.json'), JSON.stringify(profileWindows));
  return out;
}

let bareCerts = null;
async function bareFanout(n, pushes, processes, profileDir) {
  bareCerts ??= await generate([{ name: 'commonName', value: 'appliance-mail-primary' }], { keyType: 'ec', algorithm: 'sha256' });
  const env = { BARE_CERTS: JSON.stringify({ cert: bareCerts.cert, key: bareCerts.private }) };
  // FLEET_BARE_CPU_PROF=DIR profiles the bare server (written when it exits, after the pushes;
  // one profile per size, in the order of the sizes, whole lives: connections included).
  const profiled = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const server = child('bare-fanout.mjs', ['server'], env, profiled);
  const { port } = await server.once((m) => m.port !== undefined);
  const started = Date.now();
  let rssAtN = NaN;
  const received = [];
  const clients = [];
  for (let w = 0; w < processes; w++) {
    const count = Math.floor(n / processes) + (w < n % processes ? 1 : 0);
    if (count === 0) continue;
    const c = child('bare-fanout.mjs', ['clients', String(port), String(count)], { ...env, FLEET_SOURCE_BLOCK: String(w + 1) });
    c.on((m) => m.received && received.push(m.received));
    clients.push(c);
  }
  for (let connected = 0; connected < n; ) {
    server.proc.send({ count: true });
    const { streams, rssMb } = await server.once((m) => m.streams !== undefined && m.pushed === undefined);
    rssAtN = rssMb;
    connected = streams;
    if (connected < n && Date.now() - started > CONNECT_TIMEOUT_MS) throw new Error(`only ${connected} of ${n} bare clients connected within ${CONNECT_TIMEOUT_MS} ms`);
    await sleep(100);
  }
  const p50 = [], p99 = [], max = [], serverCpu = [], clientsCpu = [];
  for (let p = 0; p < pushes + 1; p++) {
    received.length = 0;
    const [server0, clients0] = [cpuMs(server.proc.pid), sumCpuMs(clients)];
    server.proc.send({ push: true });
    const { pushed } = await server.once((m) => m.pushed !== undefined);
    await waitFor(`${n} bare clients`, () => received.length >= n, CHANGE_TIMEOUT_MS);
    const lat = received.map((at) => at - pushed);
    if (p > 0) {
      // The first push warms the connections up, as the real primary's first change does.
      p50.push(percentile(lat, 50));
      p99.push(percentile(lat, 99));
      max.push(Math.max(...lat));
      // CPU over the same settle as a real change: the answers received are part of the push.
      await sleep(1000);
      serverCpu.push(cpuMs(server.proc.pid) - server0);
      clientsCpu.push(sumCpuMs(clients) - clients0);
    }
    await sleep(300);
  }
  if (profiled.length > 0) await exitOnRequest(server, { exit: true });
  for (const c of [server, ...clients]) c.proc.kill('SIGKILL');
  return {
    p50: median(p50), p99: median(p99), max: median(max), serverCpuMs: median(serverCpu), clientsCpuMs: median(clientsCpu),
    // The same transport's memory with n idle streams, without any of ours (nor joins).
    rssMb: rssAtN,
  };
}

/** CPU ms of a set of child processes so far (the secondaries, or the bare clients). */
function sumCpuMs(children) {
  return children.reduce((sum, c) => sum + cpuMs(c.proc.pid), 0);
}
