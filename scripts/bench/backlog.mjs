// The outbox at size (issue 12): with the mail server down, a backlog of large messages (default
// 1,000 x 5 MB) and one of many small ones (100,000); RSS with it queued, then kill -9 and a
// restart: peak RSS and time until status answers. Then, with 10,000 digests queued and the
// server back, the time from a new alert's acceptance to its arrival.
// Every temporary folder is removed at the end (lib.mjs cleanups), the 5 GB one as soon as done.
import { existsSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { connectControl } from '../../dist/control/client.js';
import { bodyOf, CLI, DAEMON_ENV, DAEMON_NODE_ARGS, pooled, rssMb, sleep, startDaemon, startSink, statusWhenUp, testCerts } from './lib.mjs';

const MB = 1024 * 1024;
/** When RSS is read after the last submission: with the intake's garbage, and once V8's memory reducer ran (the figure held with the backlog). */
export const BURST_MS = 2000;
export const SETTLE_MS = 30_000;

/** Queues `count` messages of `bytes` with the server down; RSS after; kill -9; restart figures. */
async function backlog({ name, count, bytes, concurrency, log }) {
  const daemon = await startDaemon(name, {
    mailServer: { enabled: true, server: '127.0.0.1:9', sender: 'bench@example.com', tls: false },
    relay: { maxOutboxBytes: 64 * 1024 * MB, minFreeBytes: 0, maxMessageBytes: Math.max(10 * MB, bytes + MB), retryMin: '1h', retryMax: '1h' },
  });
  const control = connectControl(daemon.socket);
  const text = bodyOf(bytes);
  await pooled(count, concurrency, (i) => control.submit({ to: ['down@example.com'], subject: `backlog ${i}`, text, html: '', kind: 'digest', idempotency_key: '' }));
  // Right after the burst, RSS still holds the intake's garbage; V8's memory reducer returns it
  // some seconds after allocation stops (its start delay is 8 s). Both are reported.
  await sleep(BURST_MS);
  const burstRss = rssMb(daemon.pid);
  await sleep(SETTLE_MS - BURST_MS);
  const rss = rssMb(daemon.pid);
  const queuedBytes = Number((await control.status()).outbox.bytes_queued);
  control.close();
  // The daemon takes its index snapshot once the journal is quiet: then the restart reads it.
  const snapshotAtKill = existsSync(join(daemon.dir, 'state', 'outbox', 'index.snapshot'));
  daemon.kill();
  await sleep(200);

  // Restart on the same folder: sample RSS every 10 ms until status answers.
  const started = Date.now();
  const child = spawn(process.execPath, [...DAEMON_NODE_ARGS, CLI, 'daemon', '--config', daemon.configPath], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...DAEMON_ENV } });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(child.pid));
    } catch {
      // not started yet, or gone
    }
  }, 10);
  const status = await statusWhenUp(daemon.socket);
  const readyMs = Date.now() - started;
  await sleep(500);
  peak = Math.max(peak, rssMb(child.pid));
  clearInterval(sampler);
  const live = (status?.outbox.queued ?? 0) + (status?.outbox.deferred ?? 0);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(daemon.dir, { recursive: true, force: true });
  const out = { count, message_bytes: bytes, queued_mb: queuedBytes / MB, rss_mb: rss, burst_rss_mb: burstRss, restart_peak_rss_mb: peak, restart_ready_ms: readyMs, after_restart: live, snapshot_at_kill: snapshotAtKill };
  log(`  ${count} x ${(bytes / 1024).toFixed(0)} KB (${out.queued_mb.toFixed(0)} MB queued): RSS ${burstRss.toFixed(0)} MB ${BURST_MS / 1000} s after, ${rss.toFixed(0)} MB ${SETTLE_MS / 1000} s after; after kill -9 (index snapshot ${snapshotAtKill ? 'taken' : 'not taken'}): ready in ${readyMs} ms, peak RSS ${peak.toFixed(0)} MB, ${live} messages back`);
  return out;
}

/** 10,000 digests queued, server back: from a new alert's acceptance to its arrival (median of runs). */
async function alertBehindDigests({ digests, runs, log }) {
  const { caFile } = await testCerts();
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const sink = await startSink();
    const port = sink.port;
    await sink.close();
    const daemon = await startDaemon(`alert-${r}`, {
      mailServer: { enabled: true, server: `127.0.0.1:${port}`, sender: 'bench@example.com', tls: true, caFile },
      relay: { retryMin: '1h', retryMax: '1h' },
    });
    const control = connectControl(daemon.socket);
    await pooled(digests, 256, (i) => control.submit({ to: ['digest@example.com'], subject: `digest ${i}`, text: `digest body ${i}\n`, html: '', kind: 'digest', idempotency_key: '' }));
    const back = await startSink(port);
    // Flushing is an administrator's call: the administrators' socket sits beside control.sock.
    const admin = connectControl(join(daemon.dir, 'admin.sock'));
    await admin.flushOutbox();
    admin.close();
    await back.reached(50);
    back.reset();
    const arrival = back.alertAt();
    // From the call: the acceptance is inside it (the reply may come back after the alert arrived).
    const accepted = Date.now();
    await control.submit({ to: ['alert@example.com'], subject: 'ALERT', text: 'alert\n', html: '', kind: 'alert', idempotency_key: '' });
    const arrived = await arrival;
    const waiting = (await control.status()).outbox;
    samples.push(arrived - accepted);
    log(`  run ${r + 1}: alert arrived ${arrived - accepted} ms after acceptance; ${waiting.queued + waiting.deferred} digests still waiting then`);
    control.close();
    await daemon.stop();
    await back.close();
    rmSync(daemon.dir, { recursive: true, force: true });
  }
  return samples;
}

export async function benchBacklog({ quick, runs, log }) {
  const big = quick ? { count: 20, bytes: 1 * MB } : { count: 1000, bytes: 5 * MB };
  const small = quick ? 5000 : 100_000;
  const large = await backlog({ name: 'backlog-large', ...big, concurrency: 4, log });
  const many = await backlog({ name: 'backlog-small', count: small, bytes: 300, concurrency: 256, log });
  const alert = await alertBehindDigests({ digests: quick ? 1000 : 10_000, runs, log });
  return { large, many, alert_ms: alert };
}
