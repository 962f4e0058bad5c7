/**
 * One daemon per state folder. A second daemon started on a running node's config must leave at
 * once having done nothing: no mail sent, no file changed, the running node's stream to the
 * primary and its queue untouched. A taken federation port is its own error, in words.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SMTPServerSession } from 'smtp-server';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { missingCapability, needsRoot } from '../helpers/tools.js';

const PASSWORD = 'Lock-Secret-Pa55!';

/** Every file under `dir` with its size and mtime: what "changed no file" is checked against. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const s = await stat(path);
    out.set(path, `${entry.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`);
  }
  return out;
}

/** Starts a second daemon on `configPath`, waits for it to leave, and prints how long it took. */
async function secondDaemon(configPath: string, label: string): Promise<{ code: number | null; stderr: string; logLines: number }> {
  const startedAt = performance.now();
  const second = new DaemonProcess(configPath);
  const { code } = await second.exited;
  console.log(`second daemon on the ${label}'s config exited with code ${code} after ${Math.round(performance.now() - startedAt)} ms`);
  return { code, stderr: second.stderr, logLines: second.rawLines.length };
}

describe('a second daemon on a running node', () => {
  let smtp: SmtpSink;
  let primary: Node;
  let central: Node;
  /** SMTP sessions opened at the sink, by anyone. */
  let sessions = 0;
  /** While true, RCPT TO is not answered: the messages stay in flight, and queued, on the secondary. */
  let holding = false;
  const held: Array<() => void> = [];

  beforeAll(async () => {
    smtp = await startSmtpSink({
      users: { mailer: PASSWORD },
      extra: {
        onConnect(_session: SMTPServerSession, callback: (err?: Error) => void) {
          sessions += 1;
          callback();
        },
        onRcptTo(_address, _session, callback) {
          if (holding) held.push(() => callback());
          else callback();
        },
      },
    });
    const caDir = await tempDir('am-ca-');
    await writeFile(join(caDir, 'ca.pem'), smtp.caPem);
    primary = await startNode(
      'primary',
      baseConfig('primary', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(caDir, 'ca.pem') },
        federation: { listen: '127.0.0.1:0' },
      }),
    );
    central = await startNode(
      'central',
      baseConfig('central', {
        node: { name: 'central', role: 'secondary', stateDir: './state' },
        mailServer: { enabled: true, server: '127.0.0.1:1', sender: 'central@example.com', tls: true },
      }),
    );
    await joinNode(primary, central, primary.federationPort, true);
    // The secondary checks the settings it applied against the mail server (one session): wait
    // for that to be over before counting sessions.
    await eventually(async () => {
      const { nodes } = await primary.control.listNodes();
      return nodes[0]?.connected && nodes[0].verified?.version === '1' ? true : undefined;
    }, 15_000, 'the secondary to verify version 1');
  });

  afterAll(async () => {
    for (const node of [central, primary]) {
      node?.control.close();
      await node?.daemon.stop();
    }
    await smtp?.close();
  });

  it('exits with AM_ALREADY_RUNNING naming the holder, and sends, changes and cuts nothing', async () => {
    holding = true;
    for (let i = 0; i < 3; i++) {
      await central.control.submit({ to: [`ops${i}@example.com`], subject: `queued ${i}`, text: `message ${i}`, html: '', kind: 'alert', idempotency_key: '' });
    }
    await eventually(() => (held.length === 3 ? true : undefined), 15_000, 'three messages in flight, held at RCPT');

    const sessionsBefore = sessions;
    const centralFiles = await snapshot(join(central.dir, 'state'));
    const primaryFiles = await snapshot(join(primary.dir, 'state'));
    const countsBefore = (await central.control.status()).outbox;
    const logMark = central.daemon.logs.length;
    expect(countsBefore).toMatchObject({ queued: 3, deferred: 0, dead: 0, sent_since_start: '0' });

    const onSecondary = await secondDaemon(central.configPath, 'secondary');
    expect(onSecondary.code).toBe(1);
    expect(onSecondary.stderr).toContain(`appliance-mail daemon: another appliance-mail daemon (pid ${central.daemon.pid}) is running on the state folder ${join(central.dir, 'state')}`);
    expect(onSecondary.stderr).toMatch(/\[AM_ALREADY_RUNNING\]\n$/);
    expect(onSecondary.logLines).toBe(0);

    const onPrimary = await secondDaemon(primary.configPath, 'primary');
    expect(onPrimary.code).toBe(1);
    expect(onPrimary.stderr).toContain(`(pid ${primary.daemon.pid}) is running on the state folder ${join(primary.dir, 'state')}`);
    expect(onPrimary.stderr).toMatch(/\[AM_ALREADY_RUNNING\]\n$/);
    expect(onPrimary.stderr).not.toMatch(/EADDRINUSE|No address added/);
    expect(onPrimary.logLines).toBe(0);

    // Nothing sent (no session opened at the mail server), nothing changed on disk.
    expect(sessions).toBe(sessionsBefore);
    expect(await snapshot(join(central.dir, 'state'))).toEqual(centralFiles);
    expect(await snapshot(join(primary.dir, 'state'))).toEqual(primaryFiles);
    // The running secondary's queue and stream are as they were.
    expect((await central.control.status()).outbox).toEqual(countsBefore);
    expect((await central.control.status()).federation?.connection).toBe('connected');
    expect((await primary.control.listNodes()).nodes.map((n) => [n.name, n.connected])).toEqual([['central', true]]);

    // The first daemon delivers everything, each message once.
    holding = false;
    for (const release of held.splice(0)) release();
    await eventually(async () => ((await central.control.status()).outbox?.sent_since_start === '3' ? true : undefined), 15_000, 'the three messages sent');
    const subjects = smtp.received.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1]?.trim()).sort();
    expect(subjects).toEqual(['queued 0', 'queued 1', 'queued 2']);
    expect((await central.control.status()).outbox).toMatchObject({ queued: 0, deferred: 0, dead: 0 });
    // The stream was never cut: no reconnect since before the second daemons.
    const connectionLines = central.daemon.logs.slice(logMark).filter((l) => /connected to primary|disconnected/.test(String(l['msg'])));
    expect(connectionLines).toEqual([]);
    expect((await primary.control.listNodes()).nodes[0]?.connected).toBe(true);
  });
});

describe('the instance lock', () => {
  it('is freed by kill -9: a daemon restarted at once on the same state starts', async () => {
    const dir = await tempDir('am-lock-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('lock1'));
    const first = new DaemonProcess(configPath);
    await first.ready();
    await first.stop('SIGKILL');
    const restarted = new DaemonProcess(configPath);
    await restarted.ready();
    // The pid file names the new holder, not the killed one.
    const third = await secondDaemon(configPath, 'restarted node');
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(`(pid ${restarted.pid})`);
    await restarted.stop();
  });

  it.skipIf(missingCapability('the lock-file permission test', needsRoot('run a command as another user')))('no other local user can hold the lock first: the lock file is in the 0700 state folder', async () => {
    const dir = await tempDir('am-lock-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('lock3'));
    const daemon = new DaemonProcess(configPath);
    await daemon.ready();
    await daemon.stop();
    // What an attacker would run to keep the daemon from starting: lock the file before it does.
    const squat = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'flock', '--nonblock', join(dir, 'state', 'daemon.lock'), 'true'], { encoding: 'utf8' });
    expect(squat.status).not.toBe(0);
    expect(squat.stderr).toMatch(/Permission denied/);
    const again = new DaemonProcess(configPath);
    await again.ready();
    await again.stop();
  });

  it('creates a missing state folder with mode 0700 before taking the lock', async () => {
    const dir = await tempDir('am-lock-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('lock2', { node: { name: 'lock2', role: 'primary', stateDir: './deep/state' } }));
    const daemon = new DaemonProcess(configPath);
    await daemon.ready();
    expect((await stat(join(dir, 'deep/state'))).mode & 0o777).toBe(0o700);
    await daemon.stop();
  });
});

describe('a federation port already in use', () => {
  let taken: Server;
  afterAll(() => taken?.close());

  it('is AM_ADDRESS_IN_USE naming the address, with nothing from grpc-js on stderr', async () => {
    taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    const dir = await tempDir('am-port-');
    const configPath = join(dir, 'config.json');
    const config: Json = baseConfig('porty', { federation: { listen: `127.0.0.1:${port}` } });
    await writeJson(configPath, config);
    const daemon = new DaemonProcess(configPath);
    const { code } = await daemon.exited;
    expect(code).toBe(1);
    expect(daemon.stderr).toBe(
      `appliance-mail daemon: 127.0.0.1:${port} (federation.listen) is already in use by another process: stop that process (ss -ltnpx shows which) or choose another federation.listen [AM_ADDRESS_IN_USE]\n`,
    );
    expect(daemon.rawLines.join('\n')).not.toMatch(/No address added/);
  });
});
