import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessions, IDLE_TIMEOUT_MS } from '../../src/console/sessions.js';
import { openConsoleUsers } from '../../src/console/users.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('console sessions', () => {
  it('end after the idle timeout, and each request restarts the clock', () => {
    let now = 1_000_000;
    const sessions = createSessions(() => now);
    const session = sessions.create('admin');
    now += IDLE_TIMEOUT_MS - 1;
    expect(sessions.touch(session.id)?.user).toBe('admin');
    now += IDLE_TIMEOUT_MS - 1;
    expect(sessions.touch(session.id)?.user).toBe('admin');
    now += IDLE_TIMEOUT_MS + 1;
    expect(sessions.touch(session.id)).toBeNull();
  });

  it('end at logout; unknown ids are no session', () => {
    const sessions = createSessions();
    const session = sessions.create('admin');
    sessions.end(session.id);
    expect(sessions.touch(session.id)).toBeNull();
    expect(sessions.touch('made-up')).toBeNull();
    expect(sessions.touch(undefined)).toBeNull();
  });
});

describe('console users', () => {
  it('keeps salted scrypt hashes in a 0600 file and verifies only the right password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'am-users-'));
    dirs.push(dir);
    const users = openConsoleUsers(dir);
    expect(await users.setPassword('admin', 'first-password')).toBe(true);
    expect(await users.setPassword('constructor', 'other-password')).toBe(true);
    expect(await users.verify('admin', 'first-password')).toBe(true);
    expect(await users.verify('admin', 'First-password')).toBe(false);
    expect(await users.verify('nobody', 'first-password')).toBe(false);
    expect(await users.verify('constructor', 'other-password')).toBe(true);
    expect(await users.setPassword('admin', 'second-password')).toBe(false);
    expect(await users.verify('admin', 'first-password')).toBe(false);
    expect(await users.verify('admin', 'second-password')).toBe(true);
    const file = join(dir, 'console-users.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain('password');
    expect(await users.count()).toBe(2);
  });

  it('refuses short passwords and odd names', async () => {
    const users = openConsoleUsers(tmpdir());
    await expect(users.setPassword('admin', 'short')).rejects.toMatchObject({ code: 'AM_INVALID_ARGUMENT' });
    await expect(users.setPassword('no spaces', 'long-enough-password')).rejects.toMatchObject({ code: 'AM_INVALID_ARGUMENT' });
  });
});
