/**
 * The mail server misbehaves in every way a relay meets: it stops and comes back, answers 421
 * and 451 for a while, accepts a connection and drops it in the middle of DATA. Nothing is lost.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { baseConfig, eventually, sleep, tempDir } from '../helpers/daemon.js';
import { reportFigures, ROUNDS } from '../helpers/chaos.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Faults-Pa55!';
let node: Node | undefined;
let sink: SmtpSink | undefined;
afterAll(async () => {
  node?.control.close();
  await node?.daemon.stop();
  await sink?.close();
});

type Fault = 'stopped' | '421 on connect' | '451 on MAIL' | 'dropped mid-DATA';
const FAULTS: Fault[] = ['stopped', '421 on connect', '451 on MAIL', 'dropped mid-DATA'];

it(`loses nothing through ${ROUNDS} rounds of mail server faults`, async () => {
  // The first sink binds port 0; after a "stopped" fault it comes back on that same port.
  let port = 0;
  const ca = join(await tempDir('am-faults-ca-'), 'ca.pem');
  let fault: Fault | null = null;
  let dropped = 0;
  let tempFailed = 0;
  const received = new Map<string, number>();
  const startSink = async () => {
    const s = await startSmtpSink({
      port,
      users: { mailer: PASSWORD },
      extra: {
        onConnect(_session, callback) {
          if (fault === '421 on connect') {
            tempFailed++;
            return callback(Object.assign(new Error('Service not available, try later'), { responseCode: 421 }));
          }
          callback();
        },
        onMailFrom(_address, _session, callback) {
          if (fault === '451 on MAIL') {
            tempFailed++;
            return callback(Object.assign(new Error('Local error, try later'), { responseCode: 451 }));
          }
          callback();
        },
        onData(stream, session, callback) {
          if (fault === 'dropped mid-DATA') {
            stream.once('data', () => {
              dropped++;
              // Cut the client's connection while the message is still arriving.
              s.dropSession(session.id);
            });
            stream.resume();
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const id = /^X-Appliance-Mail-Id: (.*)$/im.exec(Buffer.concat(chunks).toString())?.[1]?.trim() ?? '';
            received.set(id, (received.get(id) ?? 0) + 1);
            callback();
          });
        },
      },
    });
    await writeFile(ca, s.caPem);
    return s;
  };
  sink = await startSink();
  port = sink.port;
  node = await startNode('faulty', baseConfig('faulty', {
    mailServer: { enabled: true, server: `127.0.0.1:${port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca },
    relay: { retryMin: '100ms', retryMax: '500ms' },
  }));
  const acked: string[] = [];
  const submit = async (n: number, label: string) => {
    for (let i = 0; i < n; i++) {
      acked.push((await node!.control.submit({ to: ['ops@example.com'], subject: `${label} ${i}`, text: 'x'.repeat(5000), html: '', kind: 'alert', idempotency_key: '' })).id);
    }
  };
  const timeline: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const f of FAULTS) {
      if (f === 'stopped') {
        await sink.close();
        await submit(10, `round ${round} while stopped`);
        await sleep(300);
        sink = await startSink();
      } else {
        fault = f;
        await submit(10, `round ${round} ${f}`);
        await sleep(400);
        fault = null;
      }
      timeline.push(f);
    }
  }
  const start = Date.now();
  await eventually(() => (acked.every((id) => received.has(id)) ? true : undefined), 60_000, 'every message delivered');
  const lost = acked.filter((id) => !received.has(id)).length;
  reportFigures('mail server faults (stop/restart, 421, 451, drop mid-DATA)', {
    runs: ROUNDS * FAULTS.length,
    acknowledged: acked.length,
    delivered: acked.filter((id) => received.has(id)).length,
    lost,
    duplicated: acked.filter((id) => (received.get(id) ?? 0) > 1).length,
    temp_failures_answered: tempFailed,
    connections_dropped_mid_data: dropped,
    recovery_after_last_fault_ms: Date.now() - start,
  });
  expect(lost).toBe(0);
  expect(dropped).toBeGreaterThan(0);
  expect(tempFailed).toBeGreaterThan(0);
  expect((await node.control.status()).outbox).toMatchObject({ queued: 0, deferred: 0, dead: 0 });
}, 300_000);
