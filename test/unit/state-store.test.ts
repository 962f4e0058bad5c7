import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore, STATE_FILE_NAME } from '../../src/state/store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'am-state-'));
  dirs.push(dir);
  return dir;
}
const onDisk = async (dir: string) => JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8'));
const SETTINGS = {
  mailServer: { enabled: false, host: null, port: null, sender: null, username: null, password: null, tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
  recipients: [],
  portalAddress: null,
};

describe('the state store', () => {
  it('writes through lowdb durably and reads back the same state', async () => {
    const dir = await stateDir();
    const store = await openStateStore(dir);
    await store.update((s) => {
      s.centralized = { version: 3, settings: SETTINGS, appliedAt: 'at' };
    });
    expect((await onDisk(dir)).centralized.version).toBe(3);
    await store.close();
    expect((await openStateStore(dir)).get().centralized?.version).toBe(3);
  });

  it('hands out a frozen state: a change goes through update or nowhere', async () => {
    const store = await openStateStore(await stateDir());
    expect(() => {
      (store.get() as { centralized: unknown }).centralized = null;
    }).toThrow(TypeError);
  });

  it('a failed write or a throwing change leaves memory as it is on disk', async () => {
    const dir = await stateDir();
    const store = await openStateStore(dir);
    await store.update((s) => {
      s.centralized = { version: 1, settings: SETTINGS, appliedAt: 'at' };
    });
    // A folder in the file's place: the rename of the new file over it fails.
    await rm(join(dir, STATE_FILE_NAME));
    await mkdir(join(dir, STATE_FILE_NAME));
    await writeFile(join(dir, STATE_FILE_NAME, 'x'), '');
    await expect(
      store.update((s) => {
        s.centralized = { version: 2, settings: SETTINGS, appliedAt: 'at' };
      }),
    ).rejects.toMatchObject({ code: 'AM_STATE_IO' });
    expect(store.get().centralized?.version).toBe(1);
    await expect(
      store.update((s) => {
        s.centralized = null;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(store.get().centralized?.version).toBe(1);
    // Once the file can be written again, the next change starts from the state on disk.
    await rm(join(dir, STATE_FILE_NAME), { recursive: true });
    await store.update((s) => {
      s.membership = null;
    });
    expect((await onDisk(dir)).centralized.version).toBe(1);
  });
});
