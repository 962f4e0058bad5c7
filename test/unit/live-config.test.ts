/**
 * The live config on real files with the real watcher (chokidar): every way of saving is seen, a
 * bad edit is refused whole and reported once the save has settled, a revert clears the error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settingsCatalog } from '../../src/config/catalog.js';
import { createLiveConfig, resolvedAt, type LiveConfig } from '../../src/config/live-config.js';
import { loadConfigFile, type Config } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { eventually } from '../helpers/daemon.js';
import { newCertificates } from '../helpers/smtp.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const config = (sender: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({
    node: { name: 'live', role: 'primary', stateDir: './state' },
    mailServer: { enabled: true, server: 'smtp.example.com', sender, tls: true },
    control: { socket: './control.sock' },
    ...extra,
  }, null, 2)}\n`;

interface Harness {
  file: string;
  live: LiveConfig;
  logs: Array<Record<string, unknown>>;
  /** Every config applied, in order. */
  applied: Config[];
  /** Resolves once `n` configs in all were applied. */
  appliedCount(n: number): Promise<Config>;
  /** Resolves once a log line with message matching `msg` was written (counting from `from`). */
  logged(msg: RegExp, from?: number): Promise<Record<string, unknown>>;
}

/** `prepare` writes the files the first config names (`extra`) before it is loaded. */
async function harness(extra: Record<string, unknown> = {}, prepare: (dir: string) => Promise<void> = async () => undefined): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'am-live-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  await prepare(dir);
  await writeFile(file, config('first@example.com', extra));
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const live = createLiveConfig(loadConfigFile(file), log);
  const applied: Config[] = [];
  live.onChange((next) => applied.push(next));
  await live.start();
  cleanups.push(() => live.close());
  return {
    file,
    live,
    logs,
    applied,
    appliedCount: (n) => eventually(() => (applied.length >= n ? applied[n - 1] : undefined), 5_000, `${n} config(s) applied`),
    logged: (msg, from = 0) => eventually(() => logs.slice(from).find((l) => msg.test(String(l['msg']))), 5_000, `log ${msg}`),
  };
}

const sender = (c: Config) => c.mailServer.sender;

describe('live config', () => {
  it('applies an in-place write, a rename over the file and a delete-then-create, each once, with the one it replaced', async () => {
    const h = await harness();
    const replaced: string[] = [];
    h.live.onChange((_next, previous) => replaced.push(sender(previous) ?? ''));
    await writeFile(h.file, config('inplace@example.com'));
    expect(sender(await h.appliedCount(1))).toBe('inplace@example.com');
    await writeFile(`${h.file}.tmp`, config('renamed@example.com'));
    await rename(`${h.file}.tmp`, h.file);
    expect(sender(await h.appliedCount(2))).toBe('renamed@example.com');
    await rm(h.file);
    await writeFile(h.file, config('recreated@example.com'));
    expect(sender(await h.appliedCount(3))).toBe('recreated@example.com');
    expect(sender(h.live.current())).toBe('recreated@example.com');
    expect(replaced).toEqual(['first@example.com', 'inplace@example.com', 'renamed@example.com']);
    expect(h.live.lastError()).toBeNull();
  });

  it('ends on the last of two saves made within chokidar\'s 50 ms change throttle', async () => {
    const h = await harness();
    await writeFile(h.file, config('one@example.com'));
    await writeFile(h.file, config('two@example.com'));
    await eventually(() => (sender(h.live.current()) === 'two@example.com' ? true : undefined), 5_000, 'the second save');
  });

  it('applies a save that comes right after another was applied, inside chokidar\'s 50 ms change throttle', async () => {
    const h = await harness();
    await writeFile(h.file, config('one@example.com'));
    expect(sender(await h.appliedCount(1))).toBe('one@example.com');
    // chokidar drops this save's 'change' (it follows the last one by less than 50 ms).
    await writeFile(h.file, config('two@example.com'));
    expect(sender(await h.appliedCount(2))).toBe('two@example.com');
  });

  it('refuses a bad edit whole, once the save has settled; keeps the last good config; a revert clears the error', async () => {
    const h = await harness();
    const good = h.live.current();
    await writeFile(h.file, config('not-an-address'));
    const error = await h.logged(/invalid config/);
    expect(error['level']).toBe('error');
    expect(error['code']).toBe('AM_CONFIG_INVALID');
    expect(JSON.stringify(error['issues'])).toContain('mailServer.sender');
    expect(h.live.lastError()).toMatchObject({ code: 'AM_CONFIG_INVALID' });
    // The decision is made (the error is out): nothing of the bad file is in force.
    expect(h.applied).toEqual([]);
    expect(h.live.current()).toBe(good);
    // Back to the bytes in force: the error clears, nothing is applied again.
    const from = h.logs.length;
    await writeFile(h.file, config('first@example.com'));
    await h.logged(/back to the config in force; error cleared/, from);
    expect(h.live.lastError()).toBeNull();
    expect(h.applied).toEqual([]);
  });

  it('a save caught half-way (invalid for a moment) is no error when the rest follows within the settle time', async () => {
    const h = await harness();
    await writeFile(h.file, '{ "node": { "name": ');
    // Seen and read as invalid, not reported: the live config waits for the save to settle.
    await h.logged(/reads as invalid; reading it again/);
    await writeFile(h.file, config('whole@example.com'));
    expect(sender(await h.appliedCount(1))).toBe('whole@example.com');
    expect(h.logs.filter((l) => l['level'] === 'error')).toEqual([]);
    expect(h.live.lastError()).toBeNull();
  });

  it('refuses an edit of a field that needs a restart, naming it', async () => {
    const h = await harness();
    await writeFile(h.file, config('first@example.com', { control: { socket: './other.sock' } }));
    const error = await h.logged(/needs a restart/);
    expect(String(error['msg'])).toMatch(/control\.socket: changing it needs a restart/);
    expect(h.applied).toEqual([]);
  });

  it('refuses a live change of every setting the schema marks as read at start, drop folder included', async () => {
    const h = await harness();
    const restartOnly = settingsCatalog().filter((e) => e.apply === 'restart' && e.path !== 'log.level');
    // Each is found in the resolved config (a renamed key would make the rule compare nothing).
    for (const entry of restartOnly) expect(() => resolvedAt(h.live.current(), entry.path), entry.path).not.toThrow();
    await writeFile(h.file, config('first@example.com', { submission: { dropFolder: './elsewhere' } }));
    const error = await h.logged(/needs a restart/);
    expect(String(error['msg'])).toMatch(/submission\.dropFolder: changing it needs a restart/);
    expect(h.applied).toEqual([]);
  });

  it('a missing file is reported once it stays missing; the last good config stays', async () => {
    const h = await harness();
    await rm(h.file);
    const error = await h.logged(/missing or unreadable/);
    expect(error['code']).toBe('AM_CONFIG_UNREADABLE');
    expect(sender(h.live.current())).toBe('first@example.com');
  });

  it('SIGHUP\'s reload() reports an invalid file at once, without waiting for a save to settle', async () => {
    const h = await harness();
    await h.live.close();
    // Unwatched now: only reload() reads the file.
    await writeFile(h.file, config('not-an-address'));
    await h.live.reload();
    expect(h.live.lastError()).toMatchObject({ code: 'AM_CONFIG_INVALID' });
    await writeFile(h.file, config('later@example.com'));
    await h.live.reload();
    expect(sender(h.live.current())).toBe('later@example.com');
    expect(h.live.lastError()).toBeNull();
  });

  it('a certificate and key that do not match are refused whole, naming the key file', async () => {
    const [one, two] = await Promise.all([newCertificates('one'), newCertificates('two')]);
    const h = await harness({ console: { listen: '127.0.0.1:0', certFile: './cert.pem', keyFile: './key.pem' } }, async (dir) => {
      await writeFile(join(dir, 'cert.pem'), one.certPem);
      await writeFile(join(dir, 'key.pem'), one.keyPem, { mode: 0o600 });
    });
    const applied = h.live.current();
    expect(applied.files.map((f) => f.field)).toEqual(['console.certFile', 'console.keyFile']);
    const from = h.logs.length;
    await writeFile(join(h.file, '..', 'key.pem'), two.keyPem);
    const error = await h.logged(/console\.keyFile: is not the key of console\.certFile/, from);
    expect(error['code']).toBe('AM_CONFIG_INVALID');
    expect(JSON.stringify(error)).not.toContain('PRIVATE KEY');
    expect(h.live.current()).toBe(applied);
  });
});

