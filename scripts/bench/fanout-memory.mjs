#!/usr/bin/env node
// What an idle secondary costs the primary in memory: a primary daemon with N idle centralized
// secondaries connected (the daemon's own client code, in fanout-worker.mjs processes), a heap
// snapshot at each N (node --heapsnapshot-signal), and the difference between two sizes per
// stream, by what holds it (TLS, HTTP/2, grpc-js, ours) and by constructor.
// `node scripts/bench/fanout-memory.mjs [N1,N2,...]` (default 0,500,1000; needs `npm run build`).
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { cleanupAll, onCleanup, ROOT, rssMb, sleep, startDaemon } from './lib.mjs';

const sizes = (process.argv[2] ?? '0,500,1000').split(',').map(Number);
const PER_PROCESS = 25;

/** What holds a heap-snapshot node, by its name: the layer it belongs to. */
function layerOf(type, name) {
  if (/TLSWrap|TLSSocket|SecureContext|tls|ssl|openssl/i.test(name)) return 'TLS (socket, TLSWrap, OpenSSL buffers)';
  if (/Http2|http2|nghttp2/i.test(name)) return 'HTTP/2 (session, stream, nghttp2)';
  if (/Call|Interceptor|Metadata|Deadline|grpc|StatusBuilder|Listener/i.test(name)) return 'grpc-js (call objects)';
  if (/WatchStream|NodeRecord/.test(name)) return 'ours (stream and node record)';
  if (type === 'closure') return 'closures (grpc-js, HTTP/2 and ours)';
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return 'strings';
  return 'other objects (arrays, maps, plain objects: grpc-js, HTTP/2 and ours)';
}

function summarize(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byName = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const raw = snap.strings[snap.nodes[i + nameAt]];
    const name = type === 'object' || type === 'native' || type === 'closure' ? `${type}:${raw.slice(0, 60)}` : type;
    const size = snap.nodes[i + sizeAt];
    total += size;
    const entry = byName.get(name) ?? { type, name: raw, size: 0, count: 0 };
    entry.size += size;
    entry.count += 1;
    byName.set(name, entry);
  }
  return { total, byName };
}

/**
 * The primary's resident memory (KB) by kind of mapping, from /proc/PID/smaps: malloc's main
 * arena (`[heap]`: C++ and OpenSSL allocations), anonymous mappings (V8's heap pages, malloc's
 * other arenas and its large blocks, which MALLOC_MMAP_THRESHOLD_ sends there) and files (code).
 */
function residentByMapping(pid) {
  const kinds = { 'malloc [heap]': 0, anonymous: 0, files: 0 };
  let kind = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) kind = mapping[1] === '[heap]' ? 'malloc [heap]' : mapping[1] === '' ? 'anonymous' : mapping[1].startsWith('/') ? 'files' : null;
    else if (kind !== null && line.startsWith('Rss:')) kinds[kind] += Number(/(\d+)/.exec(line)[1]);
  }
  return kinds;
}

async function waitForSnapshot(dir, before) {
  for (;;) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.includes(f));
    if (files.length > 0) {
      const path = join(dir, files[0]);
      const size = statSync(path).size;
      await sleep(1500);
      if (statSync(path).size === size && size > 0) return path;
    } else {
      await sleep(200);
    }
  }
}

const snapDir = mkdtempSync('/tmp/am-fleet-memory-');
onCleanup(() => rmSync(snapDir, { recursive: true, force: true }));
const shm = mkdtempSync('/dev/shm/am-fleet-memory-');
onCleanup(() => rmSync(shm, { recursive: true, force: true }));
try {
  const primary = await startDaemon('memory-primary', { mailServer: { enabled: false, tls: true }, federation: { listen: '127.0.0.1:0' } }, {
    args: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`],
    // FLEET_MEMORY_ENV='{"MALLOC_ARENA_MAX":"2"}': the same run with other allocator settings.
    extraEnv: JSON.parse(process.env.FLEET_MEMORY_ENV ?? '{}'),
  });
  const control = connectControl(primary.adminSocket);
  const fedPort = Number(/:(\d+)$/.exec((await control.status()).federation.listen)[1]);
  const processes = Math.ceil(Math.max(...sizes) / PER_PROCESS);
  const workers = [];
  for (let w = 0; w < processes; w++) {
    const proc = fork(join(ROOT, 'scripts/bench/fanout-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, FLEET_STATE_DIR: join(shm, `p${w}`), FLEET_SOURCE_BLOCK: String(w + 1) } });
    onCleanup(() => proc.kill('SIGKILL'));
    await new Promise((resolve) => proc.on('message', (m) => m.ready && resolve()));
    workers.push(proc);
  }
  let joined = 0;
  const points = [];
  for (const n of sizes) {
    const perWorker = Array.from({ length: processes }, () => []);
    for (let i = joined; i < n; i++) perWorker[i % processes].push((await control.createToken({ ttl_seconds: 3600 })).token);
    await Promise.all(workers.map((proc, w) => perWorker[w].length === 0 ? null : new Promise((resolve) => {
      const h = (m) => { if (m.joined !== undefined) { proc.off('message', h); resolve(); } };
      proc.on('message', h);
      proc.send({ join: { primary: `127.0.0.1:${fedPort}`, tokens: perWorker[w], prefix: `w${w}-${joined}` } });
    })));
    joined = n;
    while (Number((await control.status()).federation.nodes_connected) < n) await sleep(200);
    // Idle: reports written, timers settled; RSS before the snapshot (writing one grows it).
    await sleep(3000);
    const rss = rssMb(primary.pid);
    const maps = residentByMapping(primary.pid);
    const before = readdirSync(snapDir);
    process.kill(primary.pid, 'SIGUSR2');
    const file = await waitForSnapshot(snapDir, before);
    const summary = summarize(file);
    rmSync(file);
    points.push({ n, rss, maps, ...summary });
    console.log(`${n} idle secondaries: RSS ${rss.toFixed(1)} MB (${Object.entries(maps).map(([k, kb]) => `${k} ${(kb / 1024).toFixed(1)} MB`).join(', ')}), heap snapshot ${(summary.total / 2 ** 20).toFixed(1)} MB`);
  }
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const dn = b.n - a.n;
    const perStream = (bytes) => (bytes / dn / 1024).toFixed(2);
    console.log(`\nper idle stream, ${a.n} -> ${b.n}: RSS ${perStream((b.rss - a.rss) * 2 ** 20)} KB (${Object.keys(b.maps).map((k) => `${k} ${perStream((b.maps[k] - (a.maps[k] ?? 0)) * 1024)} KB`).join(', ')}), heap snapshot (JS and the native memory Node reports in it) ${perStream(b.total - a.total)} KB`);
    const layers = new Map();
    const rows = [];
    for (const [key, e] of b.byName) {
      const d = e.size - (a.byName.get(key)?.size ?? 0);
      const dc = e.count - (a.byName.get(key)?.count ?? 0);
      const layer = layerOf(e.type, e.name);
      layers.set(layer, (layers.get(layer) ?? 0) + d);
      rows.push([key, d, dc]);
    }
    for (const [layer, d] of [...layers].sort((x, y) => y[1] - x[1])) console.log(`  ${perStream(d).padStart(7)} KB  ${layer}`);
    console.log('  top constructors (KB per stream, objects per stream):');
    for (const [key, d, dc] of rows.sort((x, y) => y[1] - x[1]).slice(0, 20)) console.log(`  ${perStream(d).padStart(7)} KB  ${(dc / dn).toFixed(1).padStart(5)}  ${key}`);
  }
  for (const proc of workers) proc.kill('SIGKILL');
  control.close();
  await primary.stop();
} finally {
  await cleanupAll();
}
process.exit(0);
