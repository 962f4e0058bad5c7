/**
 * The audit trail under stress on a real daemon: a login brute force leaves one entry and one
 * summary, not one line per guess; the trail stays within audit.maxBytes; kill -9 loses no
 * acknowledged entry, and a torn last line is cut with a warning at the next start.
 */
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { consoleClient, hiddenField } from '../helpers/console-http.js';
import { baseConfig, DaemonProcess, tempDir, writeJson } from '../helpers/daemon.js';

const MAX_BYTES = 64 * 1024;
const GUESSES = 30;

describe('audit trail bounds and crashes', () => {
  let dir: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let admin: Control;

  const start = async () => {
    daemon = new DaemonProcess(configPath);
    const ready = await daemon.ready(60_000);
    admin = connectControl(join(dir, 'admin.sock'));
    return String(ready['console']);
  };
  const trailBytes = async () => {
    const sizes = await Promise.all(['trail.jsonl', 'trail.1.jsonl'].map((name) => stat(join(dir, 'state/audit', name)).then((s) => s.size, () => 0)));
    return sizes[0]! + sizes[1]!;
  };

  beforeAll(async () => {
    dir = await tempDir('am-audit-bounds-');
    configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('bounded', { console: { listen: '127.0.0.1:0' }, audit: { maxBytes: MAX_BYTES } }));
  });

  afterAll(async () => {
    admin?.close();
    await daemon?.stop('SIGKILL');
  });

  it('writes a login brute force as one entry and one summary per address', async () => {
    const url = await start();
    await admin.setConsolePassword({ name: 'admin', password: 'Right-Pa55-word' });
    const web = consoleClient(url);
    const login = await web.get('/login');
    const csrf = hiddenField(login.body, '_csrf');
    const outcomes = new Map<number, number>();
    for (let n = 0; n < GUESSES; n++) {
      const answer = await web.post('/login', { _csrf: csrf, username: 'admin', password: `guess-${n}` });
      outcomes.set(answer.status, (outcomes.get(answer.status) ?? 0) + 1);
    }
    // The login guard refuses most guesses unread (429); the trail counts them all the same.
    expect([...outcomes.keys()].sort()).toEqual([401, 429]);
    const during = (await admin.history({ since_seconds: 0, limit: 0, kind: 'console-login', actor: '' })).entries;
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ summary: 'failed console login from 127.0.0.1 (admin)', address: '127.0.0.1' });
    // The summary is written when the minute ends, or when the daemon stops.
    admin.close();
    await daemon.stop();
    await start();
    const after = (await admin.history({ since_seconds: 0, limit: 0, kind: 'console-login', actor: '' })).entries;
    expect(after.map((e) => e.summary)).toEqual([`${GUESSES - 1} more failed or refused console login(s) from 127.0.0.1 in the last minute`, 'failed console login from 127.0.0.1 (admin)']);
  }, 90_000);

  it('stays within audit.maxBytes, and kill -9 loses no acknowledged entry', async () => {
    // Each flush writes exactly one entry, one after the other: the k-th acknowledged is base + k.
    const base = (await admin.history({ since_seconds: 0, limit: 1, kind: '', actor: '' })).entries[0]!.id;
    let acknowledged = 0;
    const flushes = (async () => {
      for (;;) {
        await admin.flushOutbox();
        acknowledged += 1;
      }
    })().catch(() => undefined);
    // Enough entries to rotate the trail several times over (each ~200 bytes).
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acknowledged >= 700) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    await daemon.stop('SIGKILL');
    await flushes;
    const lastAcknowledged = acknowledged;
    // A crash in the middle of a write leaves half a line.
    await appendFile(join(dir, 'state/audit/trail.jsonl'), '{"id":99999,"at":"2026-12-03T20:');
    admin.close();
    await start();
    await daemon.waitForLog((line) => /torn last line/.test(String(line['msg'])));
    expect(await trailBytes()).toBeLessThanOrEqual(MAX_BYTES);
    const flushed = (await admin.history({ since_seconds: 0, limit: 0, kind: 'outbox', actor: '' })).entries;
    // The trail keeps the newest entries, without a gap, up to the last one acknowledged (or one
    // more: written, not yet answered when the daemon was killed).
    const ids = flushed.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(ids.slice(0, -1).every((id, i) => id === ids[i + 1]! + 1)).toBe(true);
    expect(flushed.length).toBeGreaterThan(100);
    expect(Math.max(...ids)).toBeGreaterThanOrEqual(base + lastAcknowledged);
    // Numbering goes on after the cut line (the restart may have added the configuration in force
    // as an entry: the earlier one was rotated away).
    const next = await admin.flushOutbox().then(() => admin.history({ since_seconds: 0, limit: 1, kind: '', actor: '' }));
    expect(next.entries[0]).toMatchObject({ kind: 'outbox', id: expect.any(Number) });
    expect(next.entries[0]!.id).toBeGreaterThan(Math.max(...ids));
    expect(await readFile(join(dir, 'state/audit/trail.jsonl'), 'utf8')).not.toContain('"id":99999');
  }, 90_000);
});
