#!/usr/bin/env node
// What an idle secondary costs the primary in memory: a primary daemon with N idle centralized
// secondaries connected (the daemon's own client code, in fanout-worker.mjs processes), its RSS
// at each N, a heap snapshot at each N (node --heapsnapshot-signal, in a second fleet), and the
// difference between two sizes per stream, by what holds it (TLS, HTTP/2, grpc-js, ours) and by
// constructor.
// `npm run bench` runs it at 0 / 500 / 1,000 (BENCHMARKS.md's memory table);
// `node scripts/bench/fanout-memory.mjs [N1,N2,...]` (default 0,500,1000; needs `npm run build`)
// prints the same with the top constructors.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectControl } from '../../dist/control/client.js';
import { cleanupAll, joinSecondaries, joinTokens, onCleanup, ROOT, rssMb, sleep, startDaemon, within } from './lib.mjs';

const PER_PROCESS = 25;

/**
 * The layers a heap-snapshot node is counted in, by key (the key of `layers_kb` in
 * bench-results.json), with what BENCHMARKS.md's memory table calls it, in the table's order. Our
 * own objects (node records, stream entries) are plain objects with no class name of their own:
 * they are among "other objects".
 */
export const HEAP_LAYERS = [
  ['HTTP/2 (session, stream, nghttp2)', "HTTP/2: nghttp2's buffers and header tables, the session and stream objects"],
  ['other objects (arrays, maps, plain objects: grpc-js, HTTP/2 and ours)', 'plain objects, arrays, maps, timers of grpc-js, HTTP/2 and ours (our node record and stream entry, ~1.5 KB, are among them)'],
  ['strings', 'strings'],
  ['closures (grpc-js, HTTP/2 and ours)', "closures: event handlers of grpc-js, Node's streams and ours"],
  ['TLS (socket, TLSWrap, OpenSSL buffers)', "TLS: the `TLSSocket` and `TLSWrap` objects (OpenSSL's own memory is not in the snapshot)"],
  ['grpc-js (call objects)', 'grpc-js call, interceptor and metadata objects'],
];
const [HTTP2, OTHER, STRINGS, CLOSURES, TLS, GRPC] = HEAP_LAYERS.map(([key]) => key);

/** What holds a heap-snapshot node, by its name: the layer it belongs to. */
function layerOf(type, name) {
  if (/TLSWrap|TLSSocket|SecureContext|tls|ssl|openssl/i.test(name)) return TLS;
  if (/Http2|http2|nghttp2/i.test(name)) return HTTP2;
  if (/Call|Interceptor|Metadata|Deadline|grpc|StatusBuilder|Listener/i.test(name)) return GRPC;
  if (type === 'closure') return CLOSURES;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return STRINGS;
  return OTHER;
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

/** The snapshot file once its size stops changing; writing one at 1,000 streams takes seconds. */
async function waitForSnapshot(dir, before, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot in ${dir} after ${timeoutMs} ms`);
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

/**
 * A primary daemon (`args`, `env`) with `sizes` idle secondaries in turn, each size joined just
 * before `atSize(primary, n)` is called; everything is stopped after the last size.
 */
async function withFleetAtSizes({ sizes, args, env }, atSize) {
  const shm = mkdtempSync('/dev/shm/am-fleet-memory-');
  onCleanup(() => rmSync(shm, { recursive: true, force: true }));
  const primary = await startDaemon('memory-primary', { mailServer: { enabled: false, tls: true }, federation: { listen: '127.0.0.1:0' } }, { args, extraEnv: env });
  const control = connectControl(primary.adminSocket);
  const fedPort = Number(/:(\d+)$/.exec((await control.status()).federation.listen)[1]);
  const processes = Math.ceil(Math.max(...sizes) / PER_PROCESS);
  const workers = [];
  for (let w = 0; w < processes; w++) {
    const proc = fork(join(ROOT, 'scripts/bench/fanout-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, FLEET_STATE_DIR: join(shm, `p${w}`), FLEET_SOURCE_BLOCK: String(w + 1) } });
    onCleanup(() => proc.kill('SIGKILL'));
    await within(new Promise((resolve) => proc.on('message', (m) => m.ready && resolve())), 60_000, 'a secondary process to start');
    workers.push(proc);
  }
  let joined = 0;
  for (const n of sizes) {
    await joinSecondaries(workers, `127.0.0.1:${fedPort}`, await joinTokens(control, n - joined), joined);
    joined = n;
    const connected = async () => {
      while (Number((await control.status()).federation.nodes_connected) < n) await sleep(200);
    };
    await within(connected(), 60_000, `${n} secondaries connected`);
    // Idle: reports written, timers settled.
    await sleep(3000);
    await atSize(primary, n);
  }
  for (const proc of workers) proc.kill('SIGKILL');
  control.close();
  await primary.stop();
  rmSync(shm, { recursive: true, force: true });
}

/**
 * What an idle stream costs the primary, per idle stream between two of `sizes`: RSS, by kind of
 * mapping, and the heap snapshot, by layer and by constructor (KB per stream). Two fleets: RSS is
 * read in the first, with no heap snapshot (writing one leaves tens of MB of malloc's high-water
 * mark, which the next size's RSS would count as the streams'); the snapshots come from the
 * second. `env`: the primary's extra environment (other allocator settings).
 */
export async function measureStreamMemory({ sizes, env = {}, log = () => undefined }) {
  const resident = [];
  await withFleetAtSizes({ sizes, args: [], env }, (primary, n) => {
    resident.push({ n, rss: rssMb(primary.pid), maps: residentByMapping(primary.pid) });
    log(`  ${n} idle secondaries: RSS ${resident.at(-1).rss.toFixed(1)} MB (${Object.entries(resident.at(-1).maps).map(([k, kb]) => `${k} ${(kb / 1024).toFixed(1)} MB`).join(', ')})`);
  });
  const snapDir = mkdtempSync('/tmp/am-fleet-memory-');
  onCleanup(() => rmSync(snapDir, { recursive: true, force: true }));
  const points = [];
  await withFleetAtSizes({ sizes, args: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`], env }, async (primary, n) => {
    const before = readdirSync(snapDir);
    process.kill(primary.pid, 'SIGUSR2');
    const file = await waitForSnapshot(snapDir, before);
    const summary = summarize(file);
    rmSync(file);
    points.push({ ...resident[points.length], ...summary });
    log(`  ${n} idle secondaries: heap snapshot ${(summary.total / 2 ** 20).toFixed(1)} MB`);
  });
  const steps = [];
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const perStreamKb = (bytes) => bytes / (b.n - a.n) / 1024;
    const layers = new Map();
    const constructors = [];
    for (const [key, e] of b.byName) {
      const d = e.size - (a.byName.get(key)?.size ?? 0);
      const dc = e.count - (a.byName.get(key)?.count ?? 0);
      const layer = layerOf(e.type, e.name);
      layers.set(layer, (layers.get(layer) ?? 0) + d);
      constructors.push({ key, kb: perStreamKb(d), objects: dc / (b.n - a.n) });
    }
    steps.push({
      from: a.n,
      to: b.n,
      rss_kb: perStreamKb((b.rss - a.rss) * 2 ** 20),
      maps_kb: Object.fromEntries(Object.keys(b.maps).map((k) => [k, perStreamKb((b.maps[k] - (a.maps[k] ?? 0)) * 1024)])),
      heap_kb: perStreamKb(b.total - a.total),
      layers_kb: Object.fromEntries([...layers].sort((x, y) => y[1] - x[1]).map(([layer, d]) => [layer, perStreamKb(d)])),
      top_constructors: constructors.sort((x, y) => y.kb - x.kb).slice(0, 20),
    });
  }
  return {
    points: points.map(({ n, rss, maps, total }) => ({ n, rss_mb: rss, maps_mb: Object.fromEntries(Object.entries(maps).map(([k, kb]) => [k, kb / 1024])), heap_mb: total / 2 ** 20 })),
    steps,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const sizes = (process.argv[2] ?? '0,500,1000').split(',').map(Number);
    // FLEET_MEMORY_ENV='{"MALLOC_ARENA_MAX":"2"}': the same run with other allocator settings.
    const { steps } = await measureStreamMemory({ sizes, env: JSON.parse(process.env.FLEET_MEMORY_ENV ?? '{}'), log: console.log });
    const kb = (v) => v.toFixed(2);
    for (const step of steps) {
      console.log(`\nper idle stream, ${step.from} -> ${step.to}: RSS ${kb(step.rss_kb)} KB (${Object.entries(step.maps_kb).map(([k, v]) => `${k} ${kb(v)} KB`).join(', ')}), heap snapshot (JS and the native memory Node reports in it) ${kb(step.heap_kb)} KB`);
      for (const [layer, v] of Object.entries(step.layers_kb)) console.log(`  ${kb(v).padStart(7)} KB  ${layer}`);
      console.log('  top constructors (KB per stream, objects per stream):');
      for (const c of step.top_constructors) console.log(`  ${kb(c.kb).padStart(7)} KB  ${c.objects.toFixed(1).padStart(5)}  ${c.key}`);
    }
  } finally {
    await cleanupAll();
  }
  process.exit(0);
}
