/**
 * kill -9 of a centralized secondary at random moments during a steady stream of submissions,
 * ROUNDS times: every acknowledged message is delivered; duplicates are counted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, sleep, tempDir } from '../helpers/daemon.js';
import { deliveries, median, reportFigures, ROUNDS } from '../helpers/chaos.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { seededRandom } from '../helpers/random.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Chaos-Pa55!';
let smtp: SmtpSink | undefined;
const nodes: Node[] = [];
afterAll(async () => {
  for (const n of nodes) {
    n.control.close();
    await n.daemon.stop();
  }
  await smtp?.close();
});

it(`delivers every acknowledged message across ${ROUNDS} kill -9 of a secondary`, async () => {
  const random = seededRandom('kill -9 of a secondary');
  smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
  const ca = join(await tempDir('am-chaos-ca-'), 'ca.pem');
  await writeFile(ca, smtp.caPem);
  const primary = await startNode('chaos-primary', baseConfig('chaos-primary', {
    mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca },
    federation: { listen: '127.0.0.1:0' },
  }));
  nodes.push(primary);
  const fedPort = primary.federationPort;
  const secondary = await startNode('chaos-secondary', baseConfig('chaos-secondary', {
    node: { name: 'chaos-secondary', role: 'secondary', stateDir: './state' },
    mailServer: { enabled: false },
    relay: { retryMin: '200ms', retryMax: '1s' },
  }));
  nodes.push(secondary);
  await joinNode(primary, secondary, fedPort, true);
  await eventually(async () => ((await secondary.control.status()).mail_server?.enabled ? true : undefined), 10_000, 'centralized');

  const acked = new Set<string>();
  let refused = 0;
  const restartMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const control = connectControl(join(secondary.dir, 'admin.sock'));
    let stop = false;
    const submitter = async () => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await control.submit({ to: ['steady@example.com'], subject: `round ${round} #${i}`, text: 'x', html: '', kind: 'alert', idempotency_key: '' });
          acked.add(r.id);
        } catch {
          refused++;
          if (stop) return;
        }
        await sleep(2);
      }
    };
    const workers = Array.from({ length: 8 }, submitter);
    await sleep(100 + random() * 600);
    await secondary.daemon.stop('SIGKILL');
    stop = true;
    await Promise.all(workers);
    control.close();
    const start = Date.now();
    secondary.daemon = new DaemonProcess(secondary.configPath);
    await secondary.daemon.ready();
    restartMs.push(Date.now() - start);
  }
  const start = Date.now();
  await eventually(() => {
    const delivered = deliveries(smtp!);
    return [...acked].every((id) => delivered.has(id)) ? true : undefined;
  }, 60_000, 'every acknowledged message').catch(async (err: Error) => {
    const delivered = deliveries(smtp!);
    const missing = [...acked].filter((id) => !delivered.has(id));
    const outbox = await secondary.control.listOutbox().catch(() => null);
    throw new Error(`${err.message}: ${missing.length} of ${acked.size} missing (${missing.slice(0, 3).join(', ')}); outbox: ${JSON.stringify(outbox?.entries.slice(0, 3))}; status: ${JSON.stringify((await secondary.control.status().catch(() => null))?.outbox)}`);
  });
  const drainMs = Date.now() - start;
  const counts = deliveries(smtp);
  const lost = [...acked].filter((id) => !counts.has(id)).length;
  const duplicated = [...acked].filter((id) => (counts.get(id) ?? 0) > 1).length;
  reportFigures('kill -9 of a secondary during submissions', {
    runs: ROUNDS,
    acknowledged: acked.size,
    refused_while_down: refused,
    delivered: [...acked].filter((id) => counts.has(id)).length,
    lost,
    duplicated,
    restart_to_ready_ms_median: median(restartMs),
    drain_after_last_restart_ms: drainMs,
  });
  expect(lost).toBe(0);
}, 300_000);
