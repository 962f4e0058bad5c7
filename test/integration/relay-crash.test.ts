/**
 * kill -9 of the daemon during a burst of 2,000 submissions: after the restart every message
 * whose submission was acknowledged arrives (at-least-once). Prints how many arrived twice.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson } from '../helpers/daemon.js';
import { reportFigures } from '../helpers/chaos.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const TOTAL = 2000;
const CONCURRENCY = 64;
const KILL_AFTER_ACKS = 900;

let smtp: SmtpSink | undefined;
afterAll(async () => smtp?.close());

it('delivers every acknowledged message after a kill -9 in the middle of a burst', async () => {
  smtp = await startSmtpSink({ users: { mailer: 'Crash-Pa55!' } });
  const dir = await tempDir('am-crash-');
  await writeFile(join(dir, 'ca.pem'), smtp.caPem);
  const configPath = join(dir, 'config.json');
  await writeJson(
    configPath,
    baseConfig('crashy', {
      mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', username: 'mailer', password: 'Crash-Pa55!', tls: true, caFile: './ca.pem' },
      relay: { retryMin: '200ms', retryMax: '1s' },
    }),
  );
  let daemon = new DaemonProcess(configPath);
  await daemon.ready();
  const control = connectControl(join(dir, 'admin.sock'));
  const acked = new Set<string>();
  let refused = 0;
  let next = 0;
  let killed = false;
  async function worker(): Promise<void> {
    while (next < TOTAL) {
      const i = next++;
      try {
        const reply = await control.submit({ to: ['burst@example.com'], subject: `burst ${i}`, text: `message ${i}`, html: '', kind: 'alert', idempotency_key: '' });
        acked.add(reply.id);
        if (!killed && acked.size >= KILL_AFTER_ACKS) {
          killed = true;
          await daemon.stop('SIGKILL');
        }
      } catch {
        refused++;
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  control.close();
  const deliveredBeforeKill = smtp.received.length;
  expect(killed).toBe(true);

  daemon = new DaemonProcess(configPath);
  await daemon.ready();
  const ids = () => smtp!.received.map((m) => /^X-Appliance-Mail-Id: (.*)$/im.exec(m.raw)?.[1]?.trim() ?? '');
  await eventually(() => {
    const delivered = new Set(ids());
    return [...acked].every((id) => delivered.has(id)) ? true : undefined;
  }, 60_000, 'every acknowledged message');
  await daemon.stop();
  const counts = new Map<string, number>();
  for (const id of ids()) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const lost = [...acked].filter((id) => !counts.has(id)).length;
  reportFigures(`kill -9 of the daemon during a burst of ${TOTAL} submissions`, {
    runs: 1,
    acknowledged: acked.size,
    refused_after_kill: refused,
    delivered_before_kill: deliveredBeforeKill,
    delivered: [...acked].filter((id) => counts.has(id)).length,
    lost,
    duplicated: duplicates,
  });
  expect(lost).toBe(0);
}, 120_000);
