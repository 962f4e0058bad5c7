/**
 * The disk under stateDir fills up, then turns read-only: submissions are refused with a clear
 * error, nothing acknowledged is lost, and the daemon recovers when the disk does. Then a torn
 * and damaged outbox journal: the daemon says what it found and keeps every intact message.
 * Disk faults need root (a small tmpfs); skipped, saying why, without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Control } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, tempDir } from '../helpers/daemon.js';
import { deliveries, reportFigures } from '../helpers/chaos.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { REFUSED_PORT, startSmtpSink } from '../helpers/smtp.js';
import { missingCapability, needsRoot } from '../helpers/tools.js';

const PASSWORD = 'Disk-Pa55!';

const noMount = missingCapability('disk-full test', needsRoot('mount a small tmpfs'));

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function submit(control: Control, i: number) {
  return control.submit({ to: ['ops@example.com'], subject: `disk ${i}`, text: 'x'.repeat(20_000), html: '', kind: 'alert', idempotency_key: '' });
}

describe.skipIf(noMount)('disk full and read-only', () => {
  it('refuses submissions while the disk is full or read-only, loses nothing, recovers', async () => {
    const dir = await tempDir('am-disk-');
    const mountPoint = join(dir, 'state');
    await mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]);
    cleanups.push(() => void execFileSync('umount', ['-l', mountPoint]));
    // The mail server is down (421 to every connection) until the disk faults are over.
    const smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    smtp.unavailable = true;
    cleanups.push(() => smtp.close());
    const smtpPort = smtp.port;
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, smtp.caPem);
    const node: Node = await startNode('diskful', {
      ...baseConfig('diskful', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtpPort}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca },
        // No free-space floor: this test is about the disk really filling up (ENOSPC), not the quota.
        relay: { retryMin: '200ms', retryMax: '1s', minFreeBytes: 0 },
      }),
      node: { name: 'diskful', role: 'primary', stateDir: mountPoint },
    });
    cleanups.push(async () => {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    });
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) acked.push((await submit(node.control, i)).id);
    // Fill the disk.
    await writeFile(join(mountPoint, 'filler'), Buffer.alloc(8 * 1024 * 1024)).catch(() => undefined);
    let refused = 0;
    let firstError = '';
    for (let i = 0; i < 20; i++) {
      try {
        acked.push((await submit(node.control, 100 + i)).id);
      } catch (err) {
        refused++;
        firstError ||= String(err);
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(firstError).toMatch(/cannot write the outbox journal .*ENOSPC/);
    expect((await node.cli(['alert', '--to', 'a@example.com', '--subject', 's', '--text', 'x'.repeat(30_000)])).stderr).toMatch(/ENOSPC.*\[AM_OUTBOX_UNAVAILABLE\]/);
    // Space returns: submissions are accepted again.
    await rm(join(mountPoint, 'filler'));
    for (let i = 0; i < 5; i++) acked.push((await submit(node.control, 200 + i)).id);

    // Read-only: Linux refuses to remount a tmpfs read-only while the daemon holds files open for
    // writing, so the daemon is stopped, the disk turned read-only, and the daemon started on it.
    await node.daemon.stop();
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    const readOnly = new DaemonProcess(node.configPath);
    const exit = await readOnly.exited;
    expect(exit.code).toBe(1);
    expect(readOnly.stderr).toMatch(/EROFS|read-only/i);
    execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    node.daemon = new DaemonProcess(node.configPath);
    await node.daemon.ready();

    smtp.unavailable = false;
    const start = Date.now();
    await eventually(() => {
      const delivered = deliveries(smtp);
      return acked.every((id) => delivered.has(id)) ? true : undefined;
    }, 30_000, 'every acknowledged message');
    const counts = deliveries(smtp);
    reportFigures('disk full, then read-only, under stateDir', {
      runs: 1,
      acknowledged: acked.length,
      refused_while_full: refused,
      delivered: acked.filter((id) => counts.has(id)).length,
      lost: acked.filter((id) => !counts.has(id)).length,
      duplicated: acked.filter((id) => (counts.get(id) ?? 0) > 1).length,
      delivery_after_recovery_ms: Date.now() - start,
    });
    expect(acked.filter((id) => !counts.has(id))).toEqual([]);
  }, 120_000);
});

describe('torn and damaged outbox journal', () => {
  it('says what it found, keeps every intact message, never starts empty in silence', async () => {
    const node = await startNode('torn', baseConfig('torn', {
      mailServer: { enabled: true, server: `127.0.0.1:${REFUSED_PORT}`, sender: 'engine@example.com', tls: false },
      relay: { retryMin: '1h', retryMax: '1h' },
    }));
    cleanups.push(async () => {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await submit(node.control, i)).id);
    await node.daemon.stop('SIGKILL');
    const outboxDir = join(node.dir, 'state', 'outbox');
    const file = join(outboxDir, (await readdir(outboxDir)).find((f) => f.startsWith('journal-'))!);
    const data = await readFile(file);
    // Damage a record in the middle, and cut the file in the middle of its last record.
    const middle = Math.floor(data.length / 2);
    data[middle] = data[middle]! ^ 0xff;
    await writeFile(file, data.subarray(0, data.length - 700));
    const sizeBefore = (await stat(file)).size;
    node.daemon = new DaemonProcess(node.configPath);
    await node.daemon.ready();
    const warned = node.daemon.logs.find((l) => l['code'] === 'AM_OUTBOX_CORRUPT');
    expect(String(warned?.['msg'])).toMatch(/outbox journal had damage: kept \d+ intact records \(\d+ messages still to send\); skipped \d+ damaged bytes and a torn tail of \d+ bytes/);
    const kept = (await node.control.listOutbox()).entries.map((e) => e.id);
    expect(kept.length).toBeGreaterThanOrEqual(27);
    expect(kept.length).toBeLessThan(30);
    expect(kept.every((id) => ids.includes(id))).toBe(true);
    const status = await node.control.status();
    expect(status.warnings.join('\n')).toMatch(/the outbox journal was damaged at start: \d+ intact records kept/);
    expect((await stat(file)).size).toBeLessThan(sizeBefore);
    reportFigures('torn and damaged outbox journal', { runs: 1, messages_before: 30, intact_kept: kept.length, records_destroyed_by_the_injected_damage: 30 - kept.length });
  });
});
