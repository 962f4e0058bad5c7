// Relay throughput: N small messages through the control socket to an SMTP sink with STARTTLS,
// from the first submission to the last message received, against bare pooled nodemailer,
// Postfix (fed over SMTP and through sendmail) and msmtp, all to the same sink in the same run,
// and against the wire's limit: Postfix's smtp-source into smtp-sink.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { connectControl } from '../../dist/control/client.js';
import { cpuMs, median, onCleanup, pooled, startDaemon, startSink, testCerts, threadCpuMs } from './lib.mjs';

const SUBMIT_CONCURRENCY = 256;
const message = (i) => ({ to: ['sink@example.com'], subject: `bench ${i}`, text: `small message ${i}\n`, html: '', kind: 'alert', idempotency_key: '' });

/** Bounds every run: a baseline that stalls is reported as such, not waited for. */
const RUN_LIMIT_MS = 180_000;

async function timed(sink, n, send) {
  sink.reset();
  const reached = sink.reached(n);
  const start = Date.now();
  await send();
  const end = await Promise.race([reached, new Promise((resolve) => setTimeout(() => resolve(null), RUN_LIMIT_MS - (Date.now() - start)).unref())]);
  return end === null ? NaN : (n / (end - start)) * 1000;
}

/**
 * CPU per message (ms) of each part a run kept busy, from /proc: this process (the submitting
 * client, or bare nodemailer itself), the sink, and with `daemonPid` the daemon's main thread, its
 * busiest other thread (the SMTP worker) and the rest (V8's GC helpers, libuv's pool: fdatasync).
 * On 2 cores their sum bounds the rate: 2,000 ms of CPU a second over the sum is the ceiling.
 */
async function cpuPerMessage(n, { sinkPid, daemonPid = null }, run) {
  const before = { client: process.cpuUsage(), sink: cpuMs(sinkPid), threads: daemonPid ? threadCpuMs(daemonPid) : null };
  const rate = await run();
  const client = process.cpuUsage(before.client);
  const out = { client: (client.user + client.system) / 1000 / n, sink: (cpuMs(sinkPid) - before.sink) / n };
  if (daemonPid) {
    const used = [...threadCpuMs(daemonPid)].map(([tid, ms]) => [tid, ms - (before.threads.get(tid) ?? 0)]);
    const main = used.find(([tid]) => tid === daemonPid)?.[1] ?? 0;
    const worker = Math.max(0, ...used.filter(([tid]) => tid !== daemonPid).map(([, ms]) => ms));
    const all = used.reduce((sum, [, ms]) => sum + ms, 0);
    Object.assign(out, { daemon_main: main / n, daemon_smtp_worker: worker / n, daemon_other: (all - main - worker) / n });
  }
  return { rate, cpu: out };
}

/** Per part, the median over runs of its CPU per message. */
function medianCpu(runs) {
  return Object.fromEntries(Object.keys(runs[0] ?? {}).map((part) => [part, median(runs.map((c) => c[part]))]));
}

/** `system`: false skips the baselines that reconfigure the machine's Postfix and need msmtp (a reduced run on a shared machine). */
export async function benchRelay({ n, postfixN, smallN, runs, log, system = true }) {
  const sink = await startSink();
  const { caFile } = await testCerts();
  const results = {};

  // appliance-mail: a long-lived client on the control socket, fsync before every acknowledgement.
  const daemon = await startDaemon('relay', {
    mailServer: { enabled: true, server: `127.0.0.1:${sink.port}`, sender: 'bench@example.com', tls: true, caFile },
  });
  const control = connectControl(daemon.socket);
  await timed(sink, 200, () => pooled(200, 64, (i) => control.submit(message(i)))); // warm-up
  results.relay = [];
  const relayCpu = [];
  for (let r = 0; r < runs; r++) {
    const { rate, cpu } = await cpuPerMessage(n, { sinkPid: sink.pid, daemonPid: daemon.pid }, () => timed(sink, n, () => pooled(n, SUBMIT_CONCURRENCY, (i) => control.submit(message(i)))));
    results.relay.push(rate);
    relayCpu.push(cpu);
    log(`  appliance-mail run ${r + 1}: ${rate.toFixed(0)} msg/s`);
  }
  control.close();
  await daemon.stop();

  // (a) bare nodemailer, pooled, no queue: the ceiling of one single-threaded sender.
  results.nodemailer = [];
  const nodemailerCpu = [];
  for (let r = 0; r < runs; r++) {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, requireTLS: true, tls: { ca: (await testCerts()).caPem }, pool: true, maxConnections: 4, maxMessages: Infinity });
    const { rate, cpu } = await cpuPerMessage(n, { sinkPid: sink.pid }, () => timed(sink, n, () => pooled(n, SUBMIT_CONCURRENCY, (i) => transport.sendMail({ from: 'bench@example.com', ...message(i) }))));
    results.nodemailer.push(rate);
    nodemailerCpu.push(cpu);
    transport.close();
    log(`  nodemailer run ${r + 1}: ${results.nodemailer.at(-1).toFixed(0)} msg/s`);
  }

  // (b) Postfix relaying to the sink: fed over SMTP by a long-lived client, and through sendmail.
  if (system && ensurePostfix(sink.port, caFile, log)) {
    results.postfix_smtp = [];
    for (let r = 0; r < runs; r++) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: 25, secure: false, ignoreTLS: true, pool: true, maxConnections: 4, maxMessages: Infinity });
      results.postfix_smtp.push(await timed(sink, postfixN, () => pooled(postfixN, SUBMIT_CONCURRENCY, (i) => transport.sendMail({ from: 'bench@example.com', ...message(i) }))));
      transport.close();
      log(`  postfix (SMTP) run ${r + 1}: ${results.postfix_smtp.at(-1).toFixed(0)} msg/s`);
    }
    results.postfix_sendmail = [];
    for (let r = 0; r < runs; r++) {
      results.postfix_sendmail.push(await timed(sink, smallN, () => pooled(smallN, 5, (i) => pipe('/usr/sbin/sendmail', ['-t', '-i', '-f', 'bench@example.com'], rfc822(i)))));
      log(`  postfix (sendmail, 5 parallel) run ${r + 1}: ${results.postfix_sendmail.at(-1).toFixed(0)} msg/s`);
    }
    execFileSync('postfix', ['stop'], { stdio: 'ignore' });
  }

  // (d) the wire's limit: Postfix's C load generator into its C sink, no TLS, no queue.
  if (ensurePackage('smtp-source', 'postfix', log)) {
    results.smtp_source = [];
    for (let r = 0; r < runs; r++) {
      results.smtp_source.push(await smtpSource(n));
      log(`  smtp-source -> smtp-sink run ${r + 1}: ${results.smtp_source.at(-1).toFixed(0)} msg/s`);
    }
  }

  // (c) msmtp, 5 parallel workers, one process and one connection per message.
  if (system && ensurePackage('msmtp', 'msmtp', log)) {
    results.msmtp = [];
    for (let r = 0; r < runs; r++) {
      const args = ['--host=127.0.0.1', `--port=${sink.port}`, '--tls=on', '--tls-starttls=on', `--tls-trust-file=${caFile}`, '--auth=off', '--from=bench@example.com', '--', 'sink@example.com'];
      results.msmtp.push(await timed(sink, smallN, () => pooled(smallN, 5, (i) => pipe('msmtp', args, rfc822(i)))));
      log(`  msmtp (5 parallel) run ${r + 1}: ${results.msmtp.at(-1).toFixed(0)} msg/s`);
    }
  }
  await sink.close();
  const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { runs: v, median: median(v) }]));
  summary.relay.cpu_ms_per_msg = medianCpu(relayCpu);
  summary.nodemailer.cpu_ms_per_msg = medianCpu(nodemailerCpu);
  return summary;
}

/** Message body bytes for smtp-source: about what one rendered bench alert weighs on the wire. */
const SMTP_SOURCE_BODY_BYTES = 500;

/**
 * `n` messages from smtp-source into smtp-sink over a Unix socket (no port to pick), 4 sessions
 * kept open as appliance-mail's pool does (-d), each to one recipient; smtp-source exits once the
 * last message got its 250.
 */
async function smtpSource(n) {
  const dir = mkdtempSync(join(tmpdir(), 'am-smtp-source-'));
  const socket = join(dir, 'sink.sock');
  const sink = spawn('/usr/sbin/smtp-sink', ['-u', 'nobody', `unix:${socket}`, '256'], { stdio: 'ignore' });
  onCleanup(() => sink.kill());
  try {
    await until(() => existsSync(socket), 5_000, 'smtp-sink to listen');
    const start = Date.now();
    await new Promise((resolve, reject) => {
      const source = spawn('/usr/sbin/smtp-source', ['-d', '-s', '4', '-m', String(n), '-l', String(SMTP_SOURCE_BODY_BYTES), '-f', 'bench@example.com', '-t', 'sink@example.com', `unix:${socket}`], { stdio: 'ignore' });
      source.once('error', reject);
      source.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}`))));
    });
    return (n / (Date.now() - start)) * 1000;
  } finally {
    sink.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves once `check()` holds, polling briefly; fails after `limitMs`. */
async function until(check, limitMs, what) {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function rfc822(i) {
  return `From: bench@example.com\nTo: sink@example.com\nSubject: bench ${i}\n\nsmall message ${i}\n`;
}

function pipe(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
    child.stdin.end(input);
  });
}

function ensurePackage(binary, pkg, log) {
  if (spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0) return true;
  log(`  installing ${pkg} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (pkg === 'postfix') spawnSync('sh', ['-c', 'echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections'], { env });
  spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], { env, stdio: 'ignore' });
  const ok = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!ok) log(`  ${pkg} could not be installed; its baseline is skipped`);
  return ok;
}

/** Postfix on 127.0.0.1:25, relaying everything to the sink with mandatory STARTTLS. */
function ensurePostfix(sinkPort, caFile, log) {
  if (!ensurePackage('postfix', 'postfix', log)) return false;
  const mainCf = '/etc/postfix/main.cf';
  const previous = existsSync(mainCf) ? readFileSync(mainCf) : null;
  onCleanup(() => {
    spawnSync('postfix', ['stop'], { stdio: 'ignore' });
    if (previous) writeFileSync(mainCf, previous);
  });
  writeFileSync(mainCf, [
    'compatibility_level = 3.6',
    'queue_directory = /var/spool/postfix',
    'command_directory = /usr/sbin',
    'daemon_directory = /usr/lib/postfix/sbin',
    'data_directory = /var/lib/postfix',
    'mail_owner = postfix',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    'mydestination =',
    'myhostname = bench.localdomain',
    `relayhost = [127.0.0.1]:${sinkPort}`,
    'smtp_tls_security_level = encrypt',
    // Reuse TLS connections to the sink (through tlsproxy), as appliance-mail's pool does;
    // without it Postfix pays a handshake and the sink's greeting delay per message.
    'smtp_tls_connection_reuse = yes',
    `smtp_tls_CAfile = ${caFile}`,
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'alias_maps =',
    'alias_database =',
    'maillog_file = /var/log/postfix-bench.log',
    '',
  ].join('\n'));
  // TLS connection reuse needs the tlsproxy service, commented out in Debian's master.cf.
  const masterCf = '/etc/postfix/master.cf';
  const previousMaster = readFileSync(masterCf);
  onCleanup(() => writeFileSync(masterCf, previousMaster));
  spawnSync('postconf', ['-M', 'tlsproxy/unix=tlsproxy unix - - y - 0 tlsproxy'], { stdio: 'ignore' });
  spawnSync('postfix', ['stop'], { stdio: 'ignore' });
  spawnSync('postsuper', ['-d', 'ALL'], { stdio: 'ignore' });
  const started = spawnSync('postfix', ['start'], { encoding: 'utf8' });
  if (started.status !== 0) {
    log(`  postfix did not start (${started.stderr.trim()}); its baselines are skipped`);
    return false;
  }
  return true;
}
