/**
 * An outbox journal written by version 0.1.0 is migrated at start (src/relay/legacy-migration.ts):
 * every queued, deferred and dead message comes back with its id, state, attempts and error, and
 * is delivered; a kill -9 at any step of the migration loses none and queues none twice.
 */
import { existsSync, watch } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, runCli, tempDir, writeJson, type Json } from '../helpers/daemon.js';
import { exampleLegacyJournal, type Expected } from '../helpers/legacy-journal.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();

interface Upgraded {
  dir: string;
  configPath: string;
  daemon: DaemonProcess;
  control: Control;
}

describe('outbox journal of version 0.1.0', () => {
  let smtp: SmtpSink;
  let ca: string;
  const running: Upgraded[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink();
    const dir = await tempDir('am-ca-');
    ca = join(dir, 'ca.pem');
    await writeFile(ca, smtp.caPem);
    return () => smtp.close();
  });

  afterEach(async () => {
    for (const u of running.splice(0)) {
      u.control.close();
      await u.daemon.stop('SIGKILL');
    }
    smtp.received.length = 0;
  });

  /** Mail is off at first: nothing is tried, so the listing shows the states as migrated. */
  function config(name: string, enabled: boolean): Json {
    return baseConfig(name, { mailServer: { enabled, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', tls: true, caFile: ca } });
  }

  /** A state folder holding the old journal, as an upgrade finds it. */
  async function upgradedFolder(name: string, files: Record<string, Buffer>): Promise<{ dir: string; configPath: string }> {
    const dir = await tempDir(`am-${name}-`);
    const outbox = join(dir, 'state', 'outbox');
    await mkdir(outbox, { recursive: true, mode: 0o700 });
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(outbox, file), bytes, { mode: 0o600 });
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, config(name, false));
    return { dir, configPath };
  }

  function start(folder: { dir: string; configPath: string }, env: NodeJS.ProcessEnv = {}): Upgraded {
    const u = { ...folder, daemon: new DaemonProcess(folder.configPath, { env }), control: connectControl(join(folder.dir, 'admin.sock')) };
    running.push(u);
    return u;
  }

  async function listing(u: Upgraded): Promise<Map<string, Expected & { subject: string; kind: string }>> {
    const { entries } = await u.control.listOutbox();
    return new Map(entries.map((e) => [e.id, { state: e.state as Expected['state'], attempts: e.attempts, lastError: e.last_error, to: e.to, subject: e.subject, kind: e.kind }]));
  }

  function expectMigrated(found: Awaited<ReturnType<typeof listing>>, expected: Map<string, Expected>): void {
    expect(found.size).toBe(expected.size);
    for (const [id, want] of expected) expect({ id, ...found.get(id) }).toMatchObject({ id, ...want });
  }

  it('brings back every queued, deferred and dead message with its state, and delivers them', async () => {
    const { files, expected, messages } = exampleLegacyJournal();
    const folder = await upgradedFolder('upgrade', files);
    const u = start(folder);
    await u.daemon.ready();
    const found = await listing(u);
    expectMigrated(found, expected);
    for (const [id, entry] of found) expect({ id, subject: entry.subject, kind: entry.kind }).toEqual({ id, subject: messages.get(id)!.subject, kind: messages.get(id)!.kind });
    // A damaged journal would have said so; the torn tail of the old last file is not damage.
    expect(u.daemon.logs.filter((l) => l['code'] === 'AM_OUTBOX_CORRUPT')).toEqual([]);
    expect(await readdir(join(folder.dir, 'state', 'outbox'))).toEqual(['journal-00000001.log']);
    // An idempotency key given to 0.1.0 still names its message.
    const keyed = [...messages.values()].find((m) => m.idempotencyKey)!;

    const mark = u.daemon.logs.length;
    await writeJson(folder.configPath, config('upgrade', true));
    await u.daemon.waitForLog((l) => l['msg'] === 'mail transport rebuilt; deferred messages retry now', 15_000, mark);
    expect(await u.control.submit({ to: ['ops@example.com'], subject: 'again', text: 'x', html: '', kind: 'test', idempotency_key: keyed.idempotencyKey! })).toMatchObject({ id: keyed.id, duplicate: true });
    const dead = [...expected].filter(([, e]) => e.state === 'dead').map(([id]) => id);
    expect((await runCli(['outbox', 'retry', ...dead, '--config', folder.configPath])).code).toBe(0);
    await eventually(() => (smtp.received.length >= expected.size ? true : undefined), 20_000, 'every migrated message');
    const byId = new Map(smtp.received.map((r) => [header(r.raw, 'X-Appliance-Mail-Id'), r]));
    expect(new Set(byId.keys())).toEqual(new Set(expected.keys()));
    for (const [id, want] of expected) {
      const mail = byId.get(id)!;
      const original = messages.get(id)!;
      expect(mail.to).toEqual(want.to);
      expect(header(mail.raw, 'From')).toBe('engine@example.com');
      expect(header(mail.raw, 'Auto-Submitted')).toBe('auto-generated');
      expect(header(mail.raw, 'Date')).toBe(new Date(original.createdAt).toUTCString().replace(/GMT$/, '+0000'));
      if (original.text) expect(mail.raw).toContain(original.text.split('\n')[0]);
      if (original.html) expect(mail.raw).toContain(original.html);
    }
    expect(smtp.received.length).toBe(expected.size);
  }, 60_000);

  /**
   * Kills the first daemon (-9, as a power cut) the moment the test sees the migration reach
   * `step`: the old files set aside (the folder journal-v0.1 appears), the first batch copied
   * (its log line), or the marker written (the file MIGRATED appears). The daemon may get a
   * little further before the signal lands; whatever point it lands at, nothing may be lost or
   * queued twice.
   */
  async function killAt(u: Upgraded, step: string): Promise<void> {
    const outbox = join(u.dir, 'state', 'outbox');
    const legacy = join(outbox, 'journal-v0.1');
    const kill = () => process.kill(u.daemon.pid, 'SIGKILL');
    if (step === 'copied') {
      await u.daemon.waitForLog((l) => l['msg'] === 'outbox migration: messages copied', 30_000);
      kill();
      return;
    }
    const [where, name] = step === 'set-aside' ? [outbox, 'journal-v0.1'] : [legacy, 'MIGRATED'];
    if (step === 'marked') await u.daemon.waitForLog((l) => l['msg'] === 'outbox migration: messages copied' && l['copied'] === l['of'], 30_000);
    await new Promise<void>((resolve) => {
      // Seen, or already past it: the marker written and its folder removed (the migration ended)
      // before the watch was in place sends no event for the marker. Killed then all the same.
      const reached = () => existsSync(join(where, name)) || !existsSync(where);
      let killed = false;
      const done = () => {
        if (killed) return;
        killed = true;
        kill();
        resolve();
      };
      if (reached()) return done();
      const watcher = watch(where, (_event, file) => {
        if (file !== name && !reached()) return;
        watcher.close();
        done();
      });
      watcher.on('error', done);
      if (reached()) {
        watcher.close();
        done();
      }
    });
  }

  for (const step of ['set-aside', 'copied', 'marked']) {
    it(`a kill -9 during the migration (${step}) loses nothing and queues nothing twice`, async () => {
      // More than one batch of copies (1,000 a batch): "copied" dies between two.
      const { files, expected } = exampleLegacyJournal(1500);
      const folder = await upgradedFolder(`crash-${step}`, files);
      const first = start(folder);
      await killAt(first, step);
      expect(await first.daemon.exited).toMatchObject({ signal: 'SIGKILL' });
      const crashedMidway = existsSync(join(folder.dir, 'state', 'outbox', 'journal-v0.1'));

      const again = start(folder);
      await again.daemon.ready(30_000);
      expectMigrated(await listing(again), expected);
      expect(existsSync(join(folder.dir, 'state', 'outbox', 'journal-v0.1'))).toBe(false);
      const resumed = again.daemon.logs.find((l) => typeof l['toCopy'] === 'number');
      // Killed after the first batch: the second start copies only what the new journal lacks.
      if (step === 'copied' && resumed) expect(resumed['toCopy']).toBeLessThanOrEqual(expected.size - 1000);
      if (step === 'marked') expect(resumed).toBeUndefined();
      if (step === 'set-aside') expect(crashedMidway).toBe(true);

      if (step === 'copied') {
        // Delivered once each: no message was queued twice by the second start.
        const mark = again.daemon.logs.length;
        await writeJson(folder.configPath, config(`crash-${step}`, true));
        await again.daemon.waitForLog((l) => l['msg'] === 'mail transport rebuilt; deferred messages retry now', 15_000, mark);
        const live = [...expected.values()].filter((e) => e.state !== 'dead').length;
        await eventually(async () => ((await again.control.status()).outbox?.queued === 0 && smtp.received.length >= live ? true : undefined), 60_000, 'the queue to drain');
        const ids = smtp.received.map((r) => header(r.raw, 'X-Appliance-Mail-Id'));
        expect(new Set(ids).size).toBe(ids.length);
      }
    }, 120_000);
  }
});
