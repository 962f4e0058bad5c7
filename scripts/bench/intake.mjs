// Intake under backlog: the mail server is down and 0, 10,000 or 100,000 messages are queued;
// 2,000 more are submitted at 1,000/s offered. Time to the durable "accepted" (p50/p99) and
// the intake rate, per backlog: the cost must not grow with the backlog.
import { connectControl } from '../../dist/control/client.js';
import { median, percentile, pooled, sleep, startDaemon } from './lib.mjs';

const OFFERED_PER_S = 1000;
const PROBE = 2000;
const message = (i) => ({ to: ['down@example.com'], subject: `backlog ${i}`, text: `queued while the server is down ${i}\n`, html: '', kind: 'alert', idempotency_key: '' });

/** `count` submissions offered at OFFERED_PER_S whatever the answers do (an open loop): each one's ms to "accepted". */
export async function offerIntake(control, count) {
  const latencies = [];
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / OFFERED_PER_S;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sent = performance.now();
    pending.push(control.submit(message(i)).then(() => latencies.push(performance.now() - sent)));
  }
  await Promise.all(pending);
  return { latencies, elapsedS: (performance.now() - start) / 1000 };
}

/** Fills the outbox from `from` up to `to` queued messages. */
export function fillBacklog(control, from, to) {
  return pooled(to - from, 512, (i) => control.submit(message(from + i)));
}

export async function benchIntake({ backlogs, runs, log }) {
  // A server that refuses connections: deliveries pause, everything stays queued.
  const daemon = await startDaemon('intake', { mailServer: { enabled: true, server: '127.0.0.1:9', sender: 'bench@example.com', tls: false } });
  const control = connectControl(daemon.socket);
  // Warm-up: the first submissions pay for JIT compilation and the channel's connection.
  await pooled(1000, 64, (i) => control.submit(message(i)));
  let queued = 1000;
  const out = {};
  for (const backlog of backlogs) {
    if (backlog > queued) {
      await fillBacklog(control, queued, backlog);
      queued = backlog;
    }
    const p50 = [];
    const p99 = [];
    const rates = [];
    for (let r = 0; r < runs; r++) {
      const { latencies, elapsedS } = await offerIntake(control, PROBE);
      queued += PROBE;
      p50.push(percentile(latencies, 50));
      p99.push(percentile(latencies, 99));
      rates.push(PROBE / elapsedS);
    }
    out[backlog] = { p50_ms: median(p50), p99_ms: median(p99), rate_per_s: median(rates), p99_runs: p99 };
    log(`  backlog ${backlog}: p50 ${out[backlog].p50_ms.toFixed(2)} ms, p99 ${out[backlog].p99_ms.toFixed(2)} ms, ${out[backlog].rate_per_s.toFixed(0)}/s`);
  }
  control.close();
  await daemon.stop();
  return out;
}
