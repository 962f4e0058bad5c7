// Fan-out: one primary, N centralized secondaries (the real client code, many per process), one
// settings change written to the primary's file: time from the write to each secondary's
// "applied". Baseline in the same run: a bare grpc-js server pushing the same payload to the
// same number of TLS streams, each client answering with a unary call.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { connectControl } from '../../dist/control/client.js';
import { median, onCleanup, percentile, ROOT, rssMb, sleep, startDaemon } from './lib.mjs';

const WORKERS = 4;

function child(script, args = [], env = {}) {
  const proc = fork(join(ROOT, 'scripts/bench', script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
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

export async function benchFanout({ sizes, changes, singleChanges, log }) {
  // Port 0: the primary binds a port the system picks and status says which.
  const primary = await startDaemon('fanout-primary', { mailServer: { enabled: false, tls: true }, federation: { listen: '127.0.0.1:0' } });
  const control = connectControl(primary.socket);
  const fedPort = Number(/:(\d+)$/.exec((await control.status()).federation.listen)[1]);
  const workers = [];
  const applied = new Map(); // version -> [latency-relevant arrival times]
  let joined = 0;
  for (let w = 0; w < WORKERS; w++) {
    const worker = child('fanout-worker.mjs');
    await worker.once((m) => m.ready);
    worker.on((m) => {
      if (m.applied) {
        if (!applied.has(m.applied.version)) applied.set(m.applied.version, []);
        applied.get(m.applied.version).push(m.applied.at);
      }
    });
    workers.push(worker);
  }
  let sender = 0;
  /** Writes a new sender into the primary's file; resolves with each secondary's write-to-applied ms. */
  async function change(expected) {
    const config = JSON.parse(readFileSync(primary.configPath, 'utf8'));
    config.mailServer.sender = `v${++sender}@example.com`;
    const before = Number((await control.status()).federation.settings_version);
    const version = before + 1;
    applied.set(version, []);
    const start = Date.now();
    writeFileSync(primary.configPath, JSON.stringify(config));
    const deadline = Date.now() + 30_000;
    while (applied.get(version).length < expected && Date.now() < deadline) await sleep(5);
    const arrivals = applied.get(version);
    if (arrivals.length < expected) throw new Error(`only ${arrivals.length} of ${expected} secondaries applied version ${version}`);
    return arrivals.map((at) => at - start);
  }
  async function growTo(n) {
    const perWorker = Array.from({ length: WORKERS }, () => []);
    for (let i = joined; i < n; i++) perWorker[i % WORKERS].push((await control.createToken({ ttl_seconds: 3600 })).token);
    await Promise.all(workers.map(async (worker, w) => {
      if (perWorker[w].length === 0) return;
      const done = worker.once((m) => m.joined !== undefined);
      worker.proc.send({ join: { primary: `127.0.0.1:${fedPort}`, tokens: perWorker[w], prefix: `w${w}-${joined}` } });
      await done;
    }));
    joined = n;
    await sleep(500);
  }

  const out = {};
  // One secondary: file write to applied, many times.
  await growTo(1);
  await change(1);
  const single = [];
  for (let i = 0; i < singleChanges; i++) {
    single.push(...(await change(1)));
    await sleep(20);
  }
  out.single = { p50_ms: percentile(single, 50), p99_ms: percentile(single, 99), max_ms: Math.max(...single), samples: single.length };
  log(`  one secondary: write to applied p50 ${out.single.p50_ms} ms, p99 ${out.single.p99_ms} ms over ${single.length} changes`);

  for (const n of sizes) {
    await growTo(n);
    await change(n); // every node on the same version first
    const p50 = [], p99 = [], max = [];
    for (let c = 0; c < changes; c++) {
      const lat = await change(n);
      p50.push(percentile(lat, 50));
      p99.push(percentile(lat, 99));
      max.push(Math.max(...lat));
      await sleep(300);
    }
    const baseline = await bareFanout(n, changes);
    out[n] = {
      p50_ms: median(p50), p99_ms: median(p99), max_ms: median(max),
      primary_rss_mb: rssMb(primary.pid),
      baseline_p50_ms: baseline.p50, baseline_p99_ms: baseline.p99, baseline_max_ms: baseline.max,
    };
    log(`  ${n} secondaries: p50 ${out[n].p50_ms} / p99 ${out[n].p99_ms} / max ${out[n].max_ms} ms; bare grpc-js p99 ${baseline.p99} ms; primary RSS ${out[n].primary_rss_mb.toFixed(0)} MB`);
  }
  for (const worker of workers) worker.proc.kill('SIGKILL');
  control.close();
  await primary.stop();
  return out;
}

let bareCerts = null;
async function bareFanout(n, pushes) {
  bareCerts ??= await generate([{ name: 'commonName', value: 'appliance-mail-primary' }], { keyType: 'ec', algorithm: 'sha256' });
  const env = { BARE_CERTS: JSON.stringify({ cert: bareCerts.cert, key: bareCerts.private }) };
  const server = child('bare-fanout.mjs', ['server'], env);
  const { port } = await server.once((m) => m.port !== undefined);
  const received = [];
  const clients = [];
  for (let w = 0; w < WORKERS; w++) {
    const count = Math.floor(n / WORKERS) + (w < n % WORKERS ? 1 : 0);
    const c = child('bare-fanout.mjs', ['clients', String(port), String(count)], env);
    c.on((m) => m.received && received.push(m.received));
    clients.push(c);
  }
  for (let i = 0; i < 200; i++) {
    server.proc.send({ count: true });
    const { streams } = await server.once((m) => m.streams !== undefined && m.pushed === undefined);
    if (streams >= n) break;
    await sleep(50);
  }
  const p50 = [], p99 = [], max = [];
  for (let p = 0; p < pushes + 1; p++) {
    received.length = 0;
    server.proc.send({ push: true });
    const { pushed } = await server.once((m) => m.pushed !== undefined);
    const deadline = Date.now() + 20_000;
    while (received.length < n && Date.now() < deadline) await sleep(5);
    const lat = received.map((at) => at - pushed);
    if (p > 0) {
      // The first push warms the connections up, as the real primary's first change does.
      p50.push(percentile(lat, 50));
      p99.push(percentile(lat, 99));
      max.push(Math.max(...lat));
    }
    await sleep(300);
  }
  for (const c of [server, ...clients]) c.proc.kill('SIGKILL');
  return { p50: median(p50), p99: median(p99), max: median(max) };
}
