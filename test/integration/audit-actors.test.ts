/**
 * Who the trail names for each door's audited call, the actor now passed rather than carried:
 * the console's control-API actions (outbox, join tokens) for the signed-in user and address, and
 * concurrent calls of different administrators and console users each under their own name.
 */
import * as grpc from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { controlProto } from '../../src/control/service.js';
import { consoleClient, hiddenField, type ConsoleClient } from '../helpers/console-http.js';
import { baseConfig, DaemonProcess, tempDir, writeJson } from '../helpers/daemon.js';

const PASSWORD = 'Actor-Pa55-audit';

describe('audit trail: the actor of each door', () => {
  let dir: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let admin: Control;
  let raw: grpc.Client;
  const web: Record<string, ConsoleClient> = {};

  const entries = async (kind: string) => (await admin.history({ since_seconds: 0, limit: 0, kind, actor: '' })).entries;
  /** An administrators'-socket call whose CLI says it runs as `user`. */
  const asUser = (user: string, method: string, request: object) =>
    new Promise<unknown>((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set('am-user', user);
      (raw as unknown as Record<string, (r: object, m: grpc.Metadata, cb: (e: Error | null, v: unknown) => void) => void>)[method]!(request, metadata, (err, value) => (err ? reject(err) : resolve(value)));
    });
  const csrfOf = async (client: ConsoleClient, path: string) => hiddenField((await client.get(path)).body, '_csrf');

  beforeAll(async () => {
    dir = await tempDir('am-actors-');
    configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('actors', { console: { listen: '127.0.0.1:0' }, federation: { listen: '127.0.0.1:0' } }));
    daemon = new DaemonProcess(configPath);
    const ready = await daemon.ready(60_000);
    admin = connectControl(join(dir, 'admin.sock'));
    raw = new controlProto.Control(`unix:${join(dir, 'admin.sock')}`, grpc.credentials.createInsecure());
    for (const name of ['alice', 'bob']) {
      await admin.setConsolePassword({ name, password: `${PASSWORD}-${name}` });
      web[name] = consoleClient(String(ready['console']));
      expect((await web[name]!.logIn(name, `${PASSWORD}-${name}`)).status).toBe(303);
    }
  }, 90_000);

  afterAll(async () => {
    raw?.close();
    admin?.close();
    await daemon?.stop();
  });

  it("names the console user and address for the console's outbox and join-token actions", async () => {
    const flushed = await web['alice']!.post('/outbox/flush', { _csrf: await csrfOf(web['alice']!, '/outbox') });
    expect(flushed.status).toBe(303);
    const created = await web['bob']!.post('/federation/token', { _csrf: await csrfOf(web['bob']!, '/federation') });
    expect(created.status).toBe(303);
    expect((await entries('outbox'))[0]).toMatchObject({ actor: 'console user alice', door: 'console', address: '127.0.0.1' });
    expect((await entries('token'))[0]).toMatchObject({ actor: 'console user bob', door: 'console', address: '127.0.0.1', summary: expect.stringMatching(/^join token created/) });
  });

  it('keeps concurrent callers apart: each entry names its own administrator or console user', async () => {
    const before = (await entries('outbox')).length;
    const aliceCsrf = await csrfOf(web['alice']!, '/outbox');
    const bobCsrf = await csrfOf(web['bob']!, '/outbox');
    const rounds = 5;
    await Promise.all(
      Array.from({ length: rounds }, () => [
        asUser('carol', 'FlushOutbox', {}),
        asUser('dave', 'FlushOutbox', {}),
        web['alice']!.post('/outbox/flush', { _csrf: aliceCsrf }),
        web['bob']!.post('/outbox/flush', { _csrf: bobCsrf }),
      ]).flat(),
    );
    const added = (await entries('outbox')).slice(0, (await entries('outbox')).length - before);
    const count = (actor: string) => added.filter((e) => e.actor === actor).length;
    expect(added).toHaveLength(4 * rounds);
    expect([count('admin socket, user carol (as its CLI says)'), count('admin socket, user dave (as its CLI says)'), count('console user alice'), count('console user bob')]).toEqual([rounds, rounds, rounds, rounds]);
    for (const e of added) expect(e.door).toBe(e.actor.startsWith('console user') ? 'console' : 'admin-socket');
  });

  it("names the administrator who reverted, as its CLI says, and an unnamed caller as 'admin socket'", async () => {
    const original = await readFile(configPath, 'utf8');
    const target = (await entries('settings')).at(-1)!;
    const edited = JSON.parse(original);
    edited.notifications.recipients = 'changed@example.com';
    await writeJson(configPath, edited);
    await expect.poll(async () => (await entries('settings')).length, { timeout: 10_000 }).toBeGreaterThan(1);
    const reverted = (await asUser('erin', 'Revert', { id: target.id, expected_digest: '' })) as { entry_id: number };
    const entry = (await entries('revert')).find((e) => e.id === reverted.entry_id)!;
    expect(entry).toMatchObject({ actor: 'admin socket, user erin (as its CLI says)', door: 'admin-socket', revert_of: target.id });
    await asUser('not a user name!', 'FlushOutbox', {});
    expect((await entries('outbox'))[0]).toMatchObject({ actor: 'admin socket', door: 'admin-socket' });
  });
});
