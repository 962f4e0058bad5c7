/**
 * The audit trail on a real daemon: a change through each door (the file on disk, the console, the
 * administrators' socket) with its actor, door and field diff; secrets only as "changed"; revert
 * byte for byte, the conflict rule, refusals; the trail's bounds; the submitters' door closed.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import type { AuditEntry__Output } from '../../src/generated/appliance_mail/control/v1/AuditEntry.js';
import { consoleClient, hiddenField, type ConsoleClient } from '../helpers/console-http.js';
import { metricsAddress, scrape } from '../helpers/metrics.js';
import { baseConfig, DaemonProcess, eventually, runCli, tempDir, writeJson, type Json } from '../helpers/daemon.js';

const FIRST_PASSWORD = 'First-Pa55-smtp';
const SECOND_PASSWORD = 'Second-Pa55-smtp';
const ADMIN_PASSWORD = 'Admin-Pa55-audit';
/** Only in edits the daemon refuses: it must appear nowhere, not even in a reason quoting the input. */
const REFUSED_PASSWORD = 'Refused-Pa55-edit';

describe('audit trail', () => {
  let dir: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let admin: Control;
  let web: ConsoleClient;
  let originalText: string;
  const pages: string[] = [];

  const cli = (args: string[], input?: string) => runCli([...args, '--config', configPath], input === undefined ? {} : { input });
  const history = async (): Promise<AuditEntry__Output[]> => (await admin.history({ since_seconds: 0, limit: 0, kind: '', actor: '' })).entries;
  const newest = async (kind: string) => (await admin.history({ since_seconds: 0, limit: 1, kind, actor: '' })).entries[0];
  const auditLogged = (kind: string, from: number) => daemon.waitForLog((line) => line['audit'] === true && line['kind'] === kind, 10_000, from);

  beforeAll(async () => {
    dir = await tempDir('am-audit-');
    configPath = join(dir, 'config.json');
    const config: Json = baseConfig('audited', {
      mailServer: { enabled: true, server: '127.0.0.1:2525', sender: 'first@example.com', username: 'mailer', password: FIRST_PASSWORD, tls: true },
      console: { listen: '127.0.0.1:0' },
      metrics: { listen: '127.0.0.1:0' },
      audit: { maxBytes: 64 * 1024 },
    });
    await writeJson(configPath, config);
    originalText = await readFile(configPath, 'utf8');
    daemon = new DaemonProcess(configPath);
    const ready = await daemon.ready(60_000);
    admin = connectControl(join(dir, 'admin.sock'));
    await admin.setConsolePassword({ name: 'admin', password: ADMIN_PASSWORD });
    web = consoleClient(String(ready['console']));
    expect((await web.logIn('admin', ADMIN_PASSWORD)).status).toBe(303);
  });

  afterAll(async () => {
    admin?.close();
    await daemon?.stop();
  });

  it('records an edit of the file on disk with its field diff, the password only as "changed"', async () => {
    const from = daemon.logs.length;
    const edited = JSON.parse(originalText);
    edited.mailServer.sender = 'second@example.com';
    edited.mailServer.password = SECOND_PASSWORD;
    await writeFile(configPath, `${JSON.stringify(edited, null, 2)}\n`);
    const logged = await auditLogged('settings', from);
    expect(logged['actor']).toBe('config file edited on disk');
    const entry = (await newest('settings'))!;
    expect(entry).toMatchObject({ door: 'config-file', actor: 'config file edited on disk', kept: true });
    expect(entry.changes).toEqual([
      { path: 'mailServer.password', before: 'set', after: 'set', secret: true },
      { path: 'mailServer.sender', before: 'first@example.com', after: 'second@example.com', secret: false },
    ]);
  });

  it('records a console save with the console user and the client address', async () => {
    const from = daemon.logs.length;
    const form = await web.get('/appliance/accounts');
    const saved = await web.post('/appliance/accounts', { _csrf: hiddenField(form.body, '_csrf'), version: hiddenField(form.body, 'version'), recipients: 'ops@example.com, oncall@example.com' });
    expect(saved.status).toBe(303);
    await auditLogged('settings', from);
    const entry = (await newest('settings'))!;
    expect(entry).toMatchObject({ door: 'console', actor: 'console user admin', address: '127.0.0.1' });
    expect(entry.changes).toEqual([{ path: 'notifications.recipients', before: '["ops@example.com"]', after: '["ops@example.com","oncall@example.com"]', secret: false }]);
  });

  it('records administrators\' calls with the admin socket as the door', async () => {
    // The test's client is the CLI's (it says which user runs it), without a process per call.
    await admin.setConsolePassword({ name: 'second', password: `${ADMIN_PASSWORD}-2` });
    await admin.removeConsoleUser({ name: 'second' });
    await admin.flushOutbox();
    const entries = await history();
    const kinds = entries.slice(0, 3).map((e) => [e.kind, e.summary]);
    expect(kinds).toEqual([
      ['outbox', 'outbox flush: 0 deferred made due'],
      ['console-account', 'console account second removed'],
      ['console-account', 'console account second created'],
    ]);
    for (const e of entries.slice(0, 3)) expect(e).toMatchObject({ door: 'admin-socket', actor: expect.stringMatching(/^admin socket, user \S+ \(as its CLI says\)$/) });
  });

  it('lists the trail newest first in the CLI, and shows one entry with its diff', async () => {
    const listed = await cli(['history', '--limit', '3']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+ACTOR\s+DOOR\s+SUMMARY\s+VERSION$/);
    const json = JSON.parse((await cli(['history', '--json', '--since', '1h'])).stdout) as AuditEntry__Output[];
    const ids = json.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const fileEdit = json.find((e) => e.actor === 'config file edited on disk' && e.kind === 'settings')!;
    const shown = await cli(['history', 'show', String(fileEdit.id)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/mailServer\.sender\s+first@example\.com\s+second@example\.com/);
    expect(shown.stdout).toMatch(/mailServer\.password\s+\(secret, set\)\s+changed \(set\)/);
    const bad = await cli(['history', 'show', 'x1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/AM_USAGE/);
    await expect(admin.historyEntry({ id: 99_999 })).rejects.toMatchObject({ code: 'AM_AUDIT_UNKNOWN' });
  });

  it('refuses the submitters\' socket: AM_ADMIN_ONLY', async () => {
    const submitter = connectControl(join(dir, 'control.sock'));
    try {
      await expect(submitter.history({ since_seconds: 0, limit: 0, kind: '', actor: '' })).rejects.toMatchObject({ code: 'AM_ADMIN_ONLY' });
      await expect(submitter.historyEntry({ id: 1 })).rejects.toMatchObject({ code: 'AM_ADMIN_ONLY' });
      await expect(submitter.revert({ id: 1, expected_digest: '' })).rejects.toMatchObject({ code: 'AM_ADMIN_ONLY' });
    } finally {
      submitter.close();
    }
  });

  it('reverts to an earlier configuration byte for byte, secrets included, and it applies', async () => {
    // The original file again, by hand: its entry is the one to come back to.
    const from = daemon.logs.length;
    await writeFile(configPath, originalText);
    await auditLogged('settings', from);
    const back = (await newest('settings'))!;
    expect((await admin.historyEntry({ id: back.id })).revert_refused).toMatch(/is the configuration in force/);
    // Now change it again, then revert to `back` (the original bytes) through the CLI.
    const edited = JSON.parse(originalText);
    edited.mailServer.sender = 'third@example.com';
    edited.mailServer.password = SECOND_PASSWORD;
    const from2 = daemon.logs.length;
    await writeFile(configPath, JSON.stringify(edited));
    await auditLogged('settings', from2);
    const reverted = await cli(['revert', String(back.id), '--yes']);
    expect(reverted.stderr).toBe('');
    expect(reverted.stdout).toMatch(new RegExp(`^reverted to #${back.id}: version ${back.version} is in force \\(audit entry #\\d+\\)`));
    expect(await readFile(configPath, 'utf8')).toBe(originalText);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    const status = await admin.status();
    expect(status.config?.version).toBe(back.version);
    expect(status.mail_server?.sender).toBe('first@example.com');
    const entry = (await newest('revert'))!;
    expect(entry).toMatchObject({ revert_of: back.id, version: back.version, door: 'admin-socket' });
    expect(entry.summary).toMatch(new RegExp(`^revert to #${back.id}`));
    expect(entry.changes).toContainEqual({ path: 'mailServer.password', before: 'set', after: 'set', secret: true });
  });

  it('asks before it writes, and writes nothing when the answer is no', async () => {
    const target = (await history()).find((e) => e.kind === 'settings' && e.door === 'console')!;
    const before = await readFile(configPath, 'utf8');
    const declined = await cli(['revert', String(target.id)], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/changes:/);
    expect(declined.stdout).toMatch(/nothing was written/);
    expect(await readFile(configPath, 'utf8')).toBe(before);
  });

  it('refuses a revert when the file changed since it was shown, and one to an entry that is no configuration', async () => {
    const target = (await history()).find((e) => e.kind === 'settings' && e.door === 'console')!;
    const plan = await admin.historyEntry({ id: target.id });
    const from = daemon.logs.length;
    const now = JSON.parse(await readFile(configPath, 'utf8'));
    now.relay = { retryMin: '45s' };
    await writeFile(configPath, JSON.stringify(now, null, 2));
    await auditLogged('settings', from);
    const changedText = await readFile(configPath, 'utf8');
    await expect(admin.revert({ id: target.id, expected_digest: plan.file_digest })).rejects.toMatchObject({ code: 'AM_CONFIG_CHANGED' });
    expect(await readFile(configPath, 'utf8')).toBe(changedText);
    const account = (await newest('console-account'))!;
    await expect(admin.revert({ id: account.id, expected_digest: '' })).rejects.toMatchObject({ code: 'AM_REVERT_REFUSED' });
    expect((await admin.historyEntry({ id: account.id })).revert_refused).toMatch(/is not a saved configuration/);
  });

  it('shows the history, an entry\'s diff and a revert confirmation in the console (no JavaScript needed)', async () => {
    const list = await web.get('/appliance/history?kind=settings');
    pages.push(list.body);
    expect(list.status).toBe(200);
    expect(list.body).toContain('config file edited on disk');
    expect(list.body).not.toMatch(/<td>console-account<\/td>/);
    const target = (await history()).find((e) => e.kind === 'settings' && e.door === 'console')!;
    const detail = await web.get(`/appliance/history/${target.id}`);
    pages.push(detail.body);
    expect(detail.body).toContain('notifications.recipients');
    const confirmPage = await web.get(`/appliance/history/${target.id}/revert`);
    pages.push(confirmPage.body);
    expect(confirmPage.body).toContain('Yes, write it back');
    const done = await web.post(`/appliance/history/${target.id}/revert`, { _csrf: hiddenField(confirmPage.body, '_csrf'), digest: hiddenField(confirmPage.body, 'digest') });
    expect(done.status).toBe(303);
    const location = String(done.headers['location']);
    expect(location).toMatch(new RegExp(`^/appliance/history/\\d+\\?reverted=${target.id}$`));
    const after = await web.get(location);
    pages.push(after.body);
    expect(after.body).toContain(`Reverted to entry #${target.id}`);
    const entry = (await newest('revert'))!;
    expect(entry).toMatchObject({ door: 'console', actor: 'console user admin', revert_of: target.id });
    // A stale confirmation (the file changed since) is refused and writes nothing.
    const stale = await web.post(`/appliance/history/${target.id}/revert`, { _csrf: hiddenField(confirmPage.body, '_csrf'), digest: hiddenField(confirmPage.body, 'digest') });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatch(/AM_(CONFIG_CHANGED|REVERT_REFUSED)/);
  });

  it('counts entries by kind in the metrics, each one logged with audit: true', async () => {
    const entries = await history();
    const metrics = await scrape(await metricsAddress(daemon));
    for (const kind of ['settings', 'revert', 'console-account', 'outbox', 'console-login', 'token']) {
      expect([kind, metrics.value('appliance_mail_audit_entries_total', { kind })]).toEqual([kind, entries.filter((e) => e.kind === kind).length]);
    }
    const logged = daemon.logs.filter((line) => line['audit'] === true).map((line) => line['id']);
    expect(logged).toEqual(entries.map((e) => e.id).reverse());
  });

  it('records a refused edit of the file with the reason, quoting no secret, and the configuration in force stays', async () => {
    const inForce = (await admin.status()).config?.version;
    const goodText = await readFile(configPath, 'utf8');
    const good = JSON.parse(goodText);
    // Torn mid-password (an editor's half-written save), then valid JSON that the schema refuses.
    const torn = JSON.stringify({ ...good, mailServer: { ...good.mailServer, password: REFUSED_PASSWORD } }).replace(/}+$/, ',');
    const invalid = JSON.stringify({ ...good, mailServer: { ...good.mailServer, password: REFUSED_PASSWORD, server: 'no port here:' } });
    const reasons: string[] = [];
    for (const text of [torn, invalid]) {
      const from = daemon.logs.length;
      await writeFile(configPath, text);
      const logged = await auditLogged('settings-refused', from);
      expect(logged).toMatchObject({ actor: 'config file edited on disk', door: 'config-file' });
      const entry = (await newest('settings-refused'))!;
      expect(entry).toMatchObject({ door: 'config-file', actor: 'config file edited on disk', version: '' });
      expect(entry.summary).toContain(`${inForce} stays in force`);
      reasons.push(entry.reason);
    }
    expect(reasons[0]).toMatch(/^.*not valid JSON at line \d+, column \d+.*\[AM_CONFIG_INVALID\]$/);
    expect(reasons[1]).toMatch(/mailServer\.server.*\[AM_CONFIG_INVALID\]$/s);
    expect((await admin.status()).config?.version).toBe(inForce);
    const from = daemon.logs.length;
    await writeFile(configPath, goodText);
    await daemon.waitForLog((line) => line['msg'] === 'config file is back to the config in force; error cleared', 10_000, from);
  });

  it('never writes a secret: not in the state folder (but the kept configurations), the logs or the pages', async () => {
    const files: string[] = [];
    const walk = async (at: string): Promise<void> => {
      for (const item of await readdir(at, { withFileTypes: true })) {
        const path = join(at, item.name);
        if (item.isDirectory()) await walk(path);
        else if (item.isFile()) files.push(path);
      }
    };
    await walk(join(dir, 'state'));
    const scanned = files.filter((path) => !relative(join(dir, 'state'), path).startsWith('audit/configs/'));
    expect(scanned.some((path) => path.endsWith('trail.jsonl'))).toBe(true);
    for (const path of scanned) {
      const text = await readFile(path, 'latin1');
      for (const secret of [FIRST_PASSWORD, SECOND_PASSWORD, ADMIN_PASSWORD, REFUSED_PASSWORD]) expect(text.includes(secret), `${secret} in ${path}`).toBe(false);
    }
    for (const text of [...pages, ...daemon.rawLines, daemon.stderr]) {
      for (const secret of [FIRST_PASSWORD, SECOND_PASSWORD, ADMIN_PASSWORD, REFUSED_PASSWORD]) expect(text.includes(secret)).toBe(false);
    }
    // The kept configurations hold them (as pfSense's backups do), readable by the daemon alone.
    const kept = files.filter((path) => relative(join(dir, 'state'), path).startsWith('audit/configs/'));
    expect(kept.length).toBeGreaterThan(1);
    for (const path of [...kept, join(dir, 'state/audit/trail.jsonl')]) expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
