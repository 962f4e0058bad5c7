// Shared by the benchmark sections: child processes, daemons, the sink, statistics.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { connectControl } from '../../dist/control/client.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The node flags and malloc settings the systemd unit starts the daemon with: the benchmark runs it the same way. */
const UNIT = readFileSync(join(ROOT, 'systemd/appliance-mail.service'), 'utf8');
export const DAEMON_NODE_ARGS = (() => {
  const exec = /^ExecStart=(.*)$/m.exec(UNIT)[1].split(/\s+/);
  return exec.slice(1, exec.findIndex((word) => word.endsWith('/cli/main.js')));
})();
export const DAEMON_ENV = Object.fromEntries([...UNIT.matchAll(/^Environment=(MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));

const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanupAll() {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  cleanups.length = 0;
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Lines of text, as a digest's body: what the renderer sees in real use. */
export function bodyOf(bytes) {
  const line = `${'0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ '.repeat(2)}\n`;
  return line.repeat(Math.ceil(bytes / line.length));
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

let certs = null;
/** A CA and a certificate for 127.0.0.1, made once per bench run. */
export async function testCerts() {
  if (certs) return certs;
  const ca = await generate([{ name: 'commonName', value: 'bench CA' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }] });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', ca: { key: ca.private, cert: ca.cert }, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }] });
  const dir = tempDir('am-bench-certs-');
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  certs = { key: leaf.private, cert: leaf.cert, caPem: ca.cert, caFile: join(dir, 'ca.pem') };
  return certs;
}

/** Starts the SMTP sink in its own process. */
export async function startSink(port = 0) {
  const { key, cert } = await testCerts();
  const child = fork(join(ROOT, 'scripts/bench/sink.mjs'), [JSON.stringify({ key, cert }), String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listeners = new Set();
  child.on('message', (m) => listeners.forEach((l) => l(m)));
  const next = (pred) => new Promise((resolve) => {
    const l = (m) => { if (pred(m)) { listeners.delete(l); resolve(m); } };
    listeners.add(l);
  });
  const { port: bound } = await next((m) => m.port !== undefined);
  const sink = {
    port: bound,
    pid: child.pid,
    /** Resolves with the time (ms since epoch) the sink has received `n` messages since reset. */
    reached: (n) => { const p = next((m) => m.reached !== undefined); child.send({ expect: n }); return p.then((m) => m.at); },
    reset: () => child.send({ reset: true }),
    /** Resolves with the time the next message to alert@example.com arrives (call before sending it). */
    alertAt: () => next((m) => m.alert !== undefined).then((m) => m.alert),
    count: () => { const p = next((m) => m.count !== undefined); child.send({ count: true }); return p.then((m) => m.count); },
    close: () => new Promise((resolve) => { child.once('exit', resolve); child.send({ close: true }); setTimeout(() => child.kill('SIGKILL'), 2000).unref(); }),
  };
  onCleanup(() => child.kill('SIGKILL'));
  return sink;
}

/** Starts a daemon on `config` (written to a temp folder); resolves once it logged "ready". */
export async function startDaemon(name, config, { args = [], extraEnv = {} } = {}) {
  const dir = tempDir(`am-bench-${name}-`);
  const configPath = join(dir, 'config.json');
  const full = { node: { name, role: 'primary', stateDir: './state' }, control: { socket: './control.sock' }, ...config };
  writeFileSync(configPath, JSON.stringify(full, null, 2));
  let logBuffer = '';
  const daemon = {
    dir,
    configPath,
    config: full,
    pid: 0,
    startMs: 0,
    socket: join(dir, 'control.sock'),
    /** The administrators' socket (token create and the like), beside control.sock. */
    adminSocket: join(dir, 'admin.sock'),
    child: null,
    stop: () => new Promise((resolve) => { daemon.child.once('exit', resolve); daemon.child.kill('SIGTERM'); }),
    kill: () => daemon.child.kill('SIGKILL'),
    logs: () => logBuffer,
    /** Starts the daemon again on the same config and state (after `kill` or `stop`). */
    restart: () => spawnDaemon(),
  };
  async function spawnDaemon() {
    const started = Date.now();
    const child = spawn(process.execPath, [...DAEMON_NODE_ARGS, ...args, CLI, 'daemon', '--config', configPath], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...DAEMON_ENV, ...extraEnv } });
    onCleanup(() => child.kill('SIGKILL'));
    daemon.child = child;
    daemon.pid = child.pid;
    let readyAt = 0;
    await new Promise((resolve, reject) => {
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => {
        logBuffer += chunk;
        if (logBuffer.length > 4e6) logBuffer = logBuffer.slice(-2e6);
        buffer += chunk;
        if (!readyAt && buffer.includes('"appliance-mail ready"')) {
          readyAt = Date.now();
          resolve();
        }
        if (buffer.length > 1e6) buffer = buffer.slice(-1e5);
      });
      child.once('exit', (code) => reject(new Error(`daemon ${name} exited with ${code}`)));
    });
    daemon.startMs = readyAt - started;
  }
  await spawnDaemon();
  return daemon;
}

/** CPU time (user + system, all threads) a process used so far, in ms (10 ms resolution); `pid/task/tid` for one thread. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in 1/100 s (CLK_TCK)
}

/** CPU time (user + system) of each thread of a process so far, in ms, by thread id (the main thread's id is the pid). */
export function threadCpuMs(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), cpuMs(`${pid}/task/${tid}`));
    } catch {
      // The thread ended in between.
    }
  }
  return out;
}

/** The highest RSS a process has had (VmHWM), in MB. */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024;
}

export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** `promise`, or a rejection naming `what` after `ms`: a bench step that cannot finish fails it rather than hangs it. */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** 25 joins one after the other, each a few handshakes and durable writes on a loaded machine. */
const JOIN_TIMEOUT_MS = 300_000;

/** `count` one-time join tokens from the primary's administrators' socket. */
export async function joinTokens(control, count) {
  const tokens = [];
  for (let i = 0; i < count; i++) tokens.push((await control.createToken({ ttl_seconds: 3600 })).token);
  return tokens;
}

/**
 * Joins one secondary per token to the primary at `primary`, spread over `workers`
 * (fanout-worker.mjs processes; `prefix` keeps their names apart from earlier joins); resolves
 * with each join's time. A join a worker could not make fails the bench.
 */
export async function joinSecondaries(workers, primary, tokens, prefix) {
  const perWorker = workers.map((_, w) => tokens.filter((_, i) => i % workers.length === w));
  const replies = await Promise.all(workers.map((worker, w) => (perWorker[w].length === 0 ? null : workerJoins(worker, { primary, tokens: perWorker[w], prefix: `w${w}-${prefix}` }))));
  return replies.flatMap((reply) => reply?.joinMs ?? []);
}

async function workerJoins(worker, join) {
  const done = new Promise((resolve) => {
    const h = (m) => { if (m.joined !== undefined) { worker.off('message', h); resolve(m); } };
    worker.on('message', h);
  });
  worker.send({ join });
  const reply = await within(done, JOIN_TIMEOUT_MS, `${join.tokens.length} joins in one secondary process`);
  if (reply.error) throw new Error(`a secondary could not join: ${reply.error}`);
  return reply;
}

/** Runs `task` with at most `limit` in flight until `total` are done. */
export async function pooled(total, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
}

/**
 * `status` from the daemon on `socket` as soon as it answers, polled every 10 ms with a new client
 * each time, as an operator's `appliance-mail status` would be: one long-lived client would wait
 * out grpc-js's reconnect back-off (1 s, then 1.6 s, ...) after the first refused connection and
 * report the daemon ready up to a second late.
 */
export async function statusWhenUp(socket, timeoutMs = 120_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const client = connectControl(socket);
    try {
      return await client.status();
    } catch {
      await sleep(10);
    } finally {
      client.close();
    }
  }
  return null;
}

/**
 * Measuring window `n` written by a daemon run with probe-preload.mjs into `dir`: its CPU profile
 * and event-loop delay, once the signal handler (which writes them asynchronously) has.
 */
export async function probeWindow(dir, n) {
  for (let tries = 0; tries < 600; tries++) {
    try {
      return { profile: JSON.parse(readFileSync(join(dir, `window-${n}.cpuprofile`), 'utf8')), delay: JSON.parse(readFileSync(join(dir, `window-${n}.json`), 'utf8')) };
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`the daemon wrote no measuring window ${n}`);
}
