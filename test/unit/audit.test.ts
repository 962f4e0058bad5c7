import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSettings, flattenSettings } from '../../src/audit/diff.js';
import { openKeptConfigs, versionOf } from '../../src/audit/kept-configs.js';
import type { AuditRecord } from '../../src/audit/entry.js';
import { federationEventRecorder } from '../../src/audit/federation-events.js';
import { createLoginFailures } from '../../src/audit/login-summary.js';
import { openPublishedVersions } from '../../src/audit/published-versions.js';
import { openAuditTrail, PREVIOUS_TRAIL_FILE, TRAIL_FILE } from '../../src/audit/trail.js';
import { createLiveConfig } from '../../src/config/live-config.js';
import { createVersionSync } from '../../src/federation/version-sync.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openStateStore } from '../../src/state/store.js';
import { testDir } from '../helpers/test-dir.js';

const dir = () => testDir('am-audit-unit-');

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { log, lines };
}

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);

describe('settings diff', () => {
  const before = { mailServer: { host: 'a.example', port: 25, password: 'Old-Pa55', oauth2: null }, notifications: { recipients: ['x@example.com'] }, file: '/etc/c.json', version: 'abc' };

  it('lists changed fields with before and after, and a secret only as "changed"', () => {
    const after = { ...before, mailServer: { ...before.mailServer, port: 587, password: 'New-Pa55' }, version: 'def' };
    const changes = diffSettings(flattenSettings(before, KEY), flattenSettings(after, KEY));
    expect(changes).toEqual([
      { path: 'mailServer.password', before: 'set', after: 'set', secret: 'changed' },
      { path: 'mailServer.port', before: '25', after: '587' },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/Pa55/);
  });

  it('says nothing of an unchanged secret, and "unset" when one is removed', () => {
    expect(diffSettings(flattenSettings(before, KEY), flattenSettings({ ...before }, KEY))).toEqual([]);
    const removed = { ...before, mailServer: { ...before.mailServer, password: null } };
    expect(diffSettings(flattenSettings(before, KEY), flattenSettings(removed, KEY))).toEqual([{ path: 'mailServer.password', before: 'set', after: 'unset', secret: 'changed' }]);
  });

  it('keeps a keyed hash, not a plain one: the same password under another key is another value', () => {
    const flatA = flattenSettings(before, KEY).get('mailServer.password');
    const flatB = flattenSettings(before, OTHER_KEY).get('mailServer.password');
    expect(flatA).toMatch(/^hmac:[0-9a-f]{64}$/);
    expect(flatA).not.toBe(flatB);
  });

  it('leaves out the files a config read: their plain sha256 would let a reader test guesses of a password file', () => {
    const passwordFileHash = createHash('sha256').update('Rotated-Pa55\n').digest('hex');
    const withFile = { ...before, files: [{ field: 'mailServer.passwordFile', path: '/etc/pw', sha256: passwordFileHash }] };
    const rotated = { ...before, mailServer: { ...before.mailServer, password: 'Rotated-Pa55' }, files: [{ field: 'mailServer.passwordFile', path: '/etc/pw', sha256: 'f'.repeat(64) }] };
    expect([...flattenSettings(withFile, KEY).keys()].filter((path) => path.startsWith('files'))).toEqual([]);
    const changes = diffSettings(flattenSettings(withFile, KEY), flattenSettings(rotated, KEY));
    expect(changes).toEqual([{ path: 'mailServer.password', before: 'set', after: 'set', secret: 'changed' }]);
    expect(JSON.stringify(changes)).not.toContain(passwordFileHash);
  });
});

describe('audit trail file', () => {
  const limits = { maxBytes: 4096, maxAgeMs: 86_400_000 };
  const entry = (n: number) => ({ kind: 'outbox' as const, actor: 'admin socket', door: 'admin-socket' as const, summary: `flush ${n}` });

  it('numbers entries, survives a reopen, and cuts a torn last line with a warning, keeping every entry before it', async () => {
    const at = dir();
    const { log, lines } = capturedLogger();
    const trail = await openAuditTrail(at, () => limits, log);
    for (let n = 1; n <= 3; n++) await trail.append(entry(n));
    await trail.close();
    expect((await stat(join(at, TRAIL_FILE))).mode & 0o777).toBe(0o600);
    await appendFile(join(at, TRAIL_FILE), '{"id":4,"at":"2026-');
    const reopened = await openAuditTrail(at, () => limits, log);
    expect(lines.some((l) => /torn last line/.test(String(l['msg'])))).toBe(true);
    expect((await reopened.read()).map((e) => e.summary)).toEqual(['flush 1', 'flush 2', 'flush 3']);
    const next = await reopened.append(entry(4));
    expect(next.id).toBe(4);
    expect((await reopened.read()).map((e) => e.id)).toEqual([1, 2, 3, 4]);
    await reopened.close();
  });

  it('stays within maxBytes over many entries: the current file and the previous one', async () => {
    const at = dir();
    const trail = await openAuditTrail(at, () => limits, capturedLogger().log);
    for (let n = 1; n <= 200; n++) await trail.append(entry(n));
    const sizes = await Promise.all([TRAIL_FILE, PREVIOUS_TRAIL_FILE].map(async (name) => (await stat(join(at, name))).size));
    expect(sizes[0]! + sizes[1]!).toBeLessThanOrEqual(limits.maxBytes);
    const kept = await trail.read();
    expect(kept.at(-1)?.id).toBe(200);
    expect(kept.map((e) => e.id)).toEqual(kept.map((_, i) => kept[0]!.id + i));
    await trail.close();
  });

  it('drops entries older than maxAgeMs a file at a time, and never shows them', async () => {
    const at = dir();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const trail = await openAuditTrail(at, () => limits, capturedLogger().log, () => now);
    await trail.append(entry(1));
    now += limits.maxAgeMs + 1;
    expect(await trail.read()).toEqual([]);
    await trail.append(entry(2));
    now += limits.maxAgeMs + 1;
    await trail.append(entry(3));
    expect((await trail.read()).map((e) => e.id)).toEqual([3]);
    const onDisk = (await Promise.all((await readdir(at)).map((name) => readFile(join(at, name), 'utf8')))).join('');
    expect(onDisk).not.toContain('"flush 1"');
    await trail.close();
  });
});

describe('console login failures', () => {
  it('writes the first failure per address and counts the others for one summary', () => {
    const failures = createLoginFailures(2);
    expect(failures.fail('10.0.0.1', 'admin')).toBe(true);
    for (let n = 0; n < 500; n++) expect(failures.fail('10.0.0.1', `guess${n}`)).toBe(false);
    expect(failures.fail('10.0.0.2', 'admin')).toBe(true);
    // Past the bound on addresses, new ones share one count.
    for (let n = 0; n < 100; n++) expect(failures.fail(`192.0.2.${n}`, 'admin')).toBe(false);
    const summaries = failures.drain();
    expect(summaries).toEqual([
      { address: '10.0.0.1', failures: 500, users: ['guess0', 'guess1', 'guess2', 'guess3', 'guess4'] },
      { address: 'other addresses', failures: 100, users: ['admin'] },
    ]);
    expect(failures.drain()).toEqual([]);
    expect(failures.fail('10.0.0.1', 'admin')).toBe(true);
  });
});

describe('kept configurations', () => {
  it('keeps the bytes of a version exactly (0600), refuses bytes of another version, and keeps the last N', async () => {
    const at = join(dir(), 'configs');
    const kept = openKeptConfigs(at, () => 2);
    const texts = ['{"a":1}\n', '{"a": 2}', '{"a":3}\r\n'];
    expect(await kept.keep(versionOf(texts[1]!), texts[0]!)).toBe(false);
    for (const text of texts) {
      expect(await kept.keep(versionOf(text), text)).toBe(true);
      // mtime order decides which go; file times are coarse (a clock tick of a few ms): step past one.
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(await kept.read(versionOf(texts[0]!))).toBeNull();
    expect(await kept.read(versionOf(texts[2]!))).toBe(texts[2]);
    expect((await stat(join(at, `${versionOf(texts[2]!)}.json`))).mode & 0o777).toBe(0o600);
    expect(await kept.read('../../etc/passwd')).toBeNull();
    await writeFile(join(at, 'unrelated.txt'), 'x');
    expect(await kept.keep(versionOf(texts[0]!), texts[0]!)).toBe(true);
    expect((await readdir(at)).sort()).toContain('unrelated.txt');
  });
});

/** A real config file and live config, a primary whose sender and password change between versions. */
async function primaryAt(at: string) {
  const file = join(at, 'config.json');
  const text = (sender: string, password: string) =>
    `${JSON.stringify({ node: { name: 'p', role: 'primary', stateDir: at }, mailServer: { enabled: true, server: 'smtp.example.com:587', sender, username: 'u', password, tls: true }, notifications: { recipients: 'ops@example.com' }, control: { socket: join(at, 'c.sock') }, relay: { retryMin: '9s' } }, null, 2)}\n`;
  await writeFile(file, text('a@example.com', 'First-Pa55-unit'));
  const { log } = capturedLogger();
  const config = createLiveConfig(parseConfig(await readFile(file, 'utf8'), file), log);
  const kept = openKeptConfigs(join(at, 'configs'), () => 10);
  const open = () => openPublishedVersions(at, { config, kept, log });
  /** Writes the file, applies it and keeps it, as the daemon's reload and audit do. */
  const change = async (sender: string, password: string, relay?: string) => {
    const next = relay === undefined ? text(sender, password) : text(sender, password).replace('"9s"', `"${relay}"`);
    await writeFile(file, next);
    await config.reload();
    expect(config.current().version).toBe(versionOf(next));
    await kept.keep(versionOf(next), next);
  };
  await kept.keep(config.current().version, await readFile(file, 'utf8'));
  return { config, open, change };
}

describe('published settings versions (a primary)', () => {
  it('diffs the version a secondary runs against the one in force: federated fields only, a secret as "changed"', async () => {
    const at = dir();
    const p = await primaryAt(at);
    const versions = await p.open();
    await versions.published(1, p.config.current().version);
    await p.change('b@example.com', 'Second-Pa55-unit');
    await versions.published(2, p.config.current().version);
    // A change outside the federated settings publishes nothing and shows in no diff.
    await p.change('b@example.com', 'Second-Pa55-unit', '11s');
    const expected = [
      { path: 'mailServer.password', before: 'set', after: 'set', secret: 'changed' },
      { path: 'mailServer.sender', before: 'a@example.com', after: 'b@example.com' },
    ];
    expect(await versions.diff(1, 2)).toEqual({ from: 1, to: 2, changes: expected });
    expect(await versions.diff(2, 2)).toEqual({ from: 2, to: 2, changes: [] });
    expect(await versions.diff(7, 2)).toEqual({ from: 7, to: 2, unavailable: expect.stringMatching(/no longer kept/) });
    // Read back after a restart; the map holds config versions, no secret; 0600.
    expect(await (await p.open()).diff(1, 2)).toEqual({ from: 1, to: 2, changes: expected });
    const onDisk = await readFile(join(at, 'published.json'), 'utf8');
    expect(onDisk).not.toMatch(/Pa55/);
    expect((await stat(join(at, 'published.json'))).mode & 0o777).toBe(0o600);
  });

  it('a version is noted with the configuration it was read from, not with one saved a moment later', async () => {
    const at = dir();
    const p = await primaryAt(at);
    const sync = createVersionSync({ config: p.config, state: await openStateStore(join(at, 'state')), log: capturedLogger().log });
    expect(await sync.sync()).toEqual({ version: 1, configVersion: p.config.current().version, changed: true });
    await p.change('b@example.com', 'Second-Pa55-unit');
    const second = p.config.current().version;
    const pending = sync.sync();
    // A third save lands before the second's version is published: version 2 is still the second.
    await p.change('c@example.com', 'Third-Pa55-unit');
    expect(await pending).toEqual({ version: 2, configVersion: second, changed: true });
    expect(sync.encoded().includes('b@example.com')).toBe(true);
    expect(sync.encoded().includes('c@example.com')).toBe(false);
    expect(await sync.sync()).toEqual({ version: 3, configVersion: p.config.current().version, changed: true });
    expect(await sync.sync()).toEqual({ version: 3, configVersion: p.config.current().version, changed: false });
  });

  it('keeps the last 200 versions, not every one ever published', async () => {
    const at = dir();
    const p = await primaryAt(at);
    const versions = await p.open();
    const writes: Array<Promise<void>> = [];
    for (let v = 1; v <= 230; v++) writes.push(versions.published(v, p.config.current().version));
    await Promise.all(writes);
    const keys = Object.keys(JSON.parse(await readFile(join(at, 'published.json'), 'utf8')) as object).map(Number);
    expect(keys).toHaveLength(200);
    expect(Math.min(...keys)).toBe(31);
  });
});

describe('federation events in a primary\'s trail', () => {
  it('records a join and the first refusal of each newer version per node: a node NACKing in a loop writes one entry', async () => {
    const at = dir();
    const records: AuditRecord[] = [];
    const versions = await (await primaryAt(at)).open();
    const onEvent = federationEventRecorder({ record: async (r) => (records.push(r), null), versions });
    onEvent({ kind: 'joined', node: 'n1', mode: 'centralized' });
    for (let round = 0; round < 50; round++) onEvent({ kind: 'refused', node: 'n1', version: 2, error: `no ${round}` });
    onEvent({ kind: 'refused', node: 'n1', version: 1, error: 'older' });
    onEvent({ kind: 'refused', node: 'n2', version: 2, error: 'no' });
    onEvent({ kind: 'refused', node: 'n1', version: 3, error: 'no again' });
    // Removed and joined again: a new node as far as its refusals go.
    onEvent({ kind: 'removed', node: 'n1' });
    onEvent({ kind: 'joined', node: 'n1', mode: 'centralized' });
    onEvent({ kind: 'refused', node: 'n1', version: 3, error: 'still no' });
    expect(records.map((r) => [r.kind, r.actor?.name, r.actor?.door, r.reason ?? r.summary])).toEqual([
      ['node', 'secondary n1', 'secondary', 'secondary n1 joined with a join token (centralized)'],
      ['settings-refused', 'secondary n1', 'secondary', 'no 0'],
      ['settings-refused', 'secondary n2', 'secondary', 'no'],
      ['settings-refused', 'secondary n1', 'secondary', 'no again'],
      ['node', 'secondary n1', 'secondary', 'secondary n1 joined with a join token (centralized)'],
      ['settings-refused', 'secondary n1', 'secondary', 'still no'],
    ]);
  });
});

