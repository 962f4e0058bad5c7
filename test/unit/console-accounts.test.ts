import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessions, IDLE_TIMEOUT_MS, MAX_LIFETIME_MS } from '../../src/console/sessions.js';
import { openConsoleUsers } from '../../src/state/console-users.js';
import { testDir } from '../helpers/test-dir.js';


describe('console sessions', () => {
  it('end after the idle timeout, and each request restarts the clock', () => {
    let now = 1_000_000;
    const sessions = createSessions(() => now);
    const session = sessions.create('admin', 'v1');
    now += IDLE_TIMEOUT_MS - 1;
    expect(sessions.touch(session.id)?.user).toBe('admin');
    now += IDLE_TIMEOUT_MS - 1;
    expect(sessions.touch(session.id)?.user).toBe('admin');
    now += IDLE_TIMEOUT_MS + 1;
    expect(sessions.touch(session.id)).toBeNull();
  });

  it('end MAX_LIFETIME_MS after login however active, and keep the password version they were opened with', () => {
    let now = 1_000_000;
    const sessions = createSessions(() => now);
    const session = sessions.create('admin', 'v1');
    expect(session.passwordVersion).toBe('v1');
    while (now + IDLE_TIMEOUT_MS / 2 < 1_000_000 + MAX_LIFETIME_MS) {
      now += IDLE_TIMEOUT_MS / 2;
      expect(sessions.touch(session.id)?.user).toBe('admin');
    }
    now = 1_000_000 + MAX_LIFETIME_MS;
    expect(sessions.touch(session.id)).toBeNull();
  });

  it('end at logout; unknown ids are no session', () => {
    const sessions = createSessions();
    const session = sessions.create('admin', 'v1');
    sessions.end(session.id);
    expect(sessions.touch(session.id)).toBeNull();
    expect(sessions.touch('made-up')).toBeNull();
    expect(sessions.touch(undefined)).toBeNull();
  });
});

describe('console users', () => {
  it('keeps salted scrypt hashes in a 0600 file and verifies only the right password', async () => {
    const dir = testDir('am-users-');
    const users = openConsoleUsers(dir);
    expect(await users.setPassword('admin', 'first-password')).toBe(true);
    expect(await users.setPassword('constructor', 'other-password')).toBe(true);
    const first = await users.passwordVersion('admin');
    expect(first).toEqual(expect.any(String));
    expect(await users.verify('admin', 'first-password')).toBe(first);
    expect(await users.verify('admin', 'First-password')).toBeNull();
    expect(await users.verify('nobody', 'first-password')).toBeNull();
    expect(await users.verify('constructor', 'other-password')).toEqual(expect.any(String));
    expect(await users.setPassword('admin', 'second-password')).toBe(false);
    expect(await users.verify('admin', 'first-password')).toBeNull();
    const second = await users.verify('admin', 'second-password');
    expect(second).toBe(await users.passwordVersion('admin'));
    expect(second).not.toBe(first);
    // The same password set again is a new version too: "change the password" ends sessions.
    await users.setPassword('admin', 'second-password');
    expect(await users.passwordVersion('admin')).not.toBe(second);
    const file = join(dir, 'console-users.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain('password');
    expect(await users.count()).toBe(2);
  });

  it('removes an account: it can no longer log in and has no password version; an unknown name is AM_CONSOLE_USER_UNKNOWN', async () => {
    const dir = testDir('am-users-');
    const users = openConsoleUsers(dir);
    await users.setPassword('admin', 'first-password');
    await users.setPassword('oper', 'other-password');
    await users.remove('oper');
    expect(await users.passwordVersion('oper')).toBeNull();
    expect(await users.verify('oper', 'other-password')).toBeNull();
    expect(await users.verify('admin', 'first-password')).toEqual(expect.any(String));
    await expect(users.remove('oper')).rejects.toMatchObject({ code: 'AM_CONSOLE_USER_UNKNOWN' });
    await expect(users.remove('__proto__')).rejects.toMatchObject({ code: 'AM_CONSOLE_USER_UNKNOWN' });
    expect(await users.count()).toBe(1);
  });

  it('refuses short passwords and odd names', async () => {
    const users = openConsoleUsers(tmpdir());
    await expect(users.setPassword('admin', 'short')).rejects.toMatchObject({ code: 'AM_INVALID_ARGUMENT' });
    await expect(users.setPassword('no spaces', 'long-enough-password')).rejects.toMatchObject({ code: 'AM_INVALID_ARGUMENT' });
  });
});
