/**
 * The daemon under a service manager, without one: a Unix datagram socket stands in for
 * systemd's NOTIFY_SOCKET (bound by a small python3 helper, as Node has no AF_UNIX datagrams),
 * and a stdout whose device:inode is given as JOURNAL_STREAM stands in for journald's stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';
import { connectControl } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, tempDir, writeJson } from '../helpers/daemon.js';

/**
 * Prints each datagram as one JSON line. On READY=1 it first tries the control socket, so the
 * line says whether the daemon already served when it called itself ready.
 */
const RECEIVER = `
import json, socket, sys
path, control = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(('\\0' + path[1:]) if path.startswith('@') else path)
print(json.dumps({'bound': True}), flush=True)
while True:
    data = s.recv(65536).decode()
    fields = dict(line.split('=', 1) for line in data.split('\\n') if '=' in line)
    answer = None
    if fields.get('READY') == '1':
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(control)
            answer = True
        except OSError:
            answer = False
        probe.close()
    print(json.dumps({'fields': fields, 'controlAccepts': answer}), flush=True)
`;

interface Datagram {
  fields: Record<string, string>;
  controlAccepts: boolean | null;
}

class NotifySocket {
  readonly datagrams: Datagram[] = [];
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  readonly bound: Promise<void>;

  constructor(path: string, controlSocket: string) {
    this.child = spawn('/usr/bin/python3', ['-c', RECEIVER, path, controlSocket], { stdio: ['ignore', 'pipe', 'inherit'] });
    let onBound: () => void;
    this.bound = new Promise((resolve) => (onBound = resolve));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as Datagram & { bound?: boolean };
      if (parsed.bound) onBound();
      else this.datagrams.push(parsed);
      for (const wake of this.waiters) wake();
    });
  }

  /** The first datagram with this field, old or new. */
  waitFor(field: string): Promise<Datagram> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${field} within 15 s; got ${JSON.stringify(this.datagrams)}`)), 15_000);
      const check = () => {
        const found = this.datagrams.find((d) => field in d.fields);
        if (found) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(found);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  close(): void {
    this.child.kill();
  }
}

describe.skipIf(missingTool('systemd-notify', 'systemd'))('systemd readiness and journald priorities', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function daemonUnder(notifySocketIn: (dir: string) => string) {
    const dir = await tempDir('am-systemd-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('notified', { mailServer: { enabled: false } }));
    const notifySocket = notifySocketIn(dir);
    const notify = new NotifySocket(notifySocket, join(dir, 'control.sock'));
    cleanups.push(() => notify.close());
    await notify.bound;
    // Half of 400 ms: a heartbeat every 200 ms.
    const daemon = new DaemonProcess(configPath, { env: { NOTIFY_SOCKET: notifySocket, WATCHDOG_USEC: '400000' } });
    cleanups.push(async () => void (await daemon.stop('SIGKILL')));
    return { dir, daemon, notify };
  }

  for (const [kind, socketPath] of [
    ['a path', (dir: string) => join(dir, 'notify.sock')],
    ['the abstract namespace (@name)', () => `@am-test-notify-${randomBytes(6).toString('hex')}`],
  ] as const) {
    it(`READY=1 on ${kind} arrives only once the control socket accepts, then the watchdog's heartbeat, and STOPPING=1 at shutdown`, async () => {
      const { dir, daemon, notify } = await daemonUnder(socketPath);
      const ready = await notify.waitFor('READY');
      expect(ready.controlAccepts).toBe(true);
      expect(ready.fields['MAINPID']).toBe(String(daemon.pid));
      expect(ready.fields['STATUS']).toBe('serving as primary notified');
      const control = connectControl(join(dir, 'control.sock'));
      cleanups.push(() => control.close());
      expect((await control.status()).node_name).toBe('notified');
      await notify.waitFor('WATCHDOG');
      await daemon.stop('SIGTERM');
      await notify.waitFor('STOPPING');
      expect(notify.datagrams.findIndex((d) => 'STOPPING' in d.fields)).toBeGreaterThan(notify.datagrams.findIndex((d) => 'READY' in d.fields));
    });
  }

  it('without NOTIFY_SOCKET nothing is sent and the daemon runs as before', async () => {
    const dir = await tempDir('am-systemd-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('plain', { mailServer: { enabled: false } }));
    const daemon = new DaemonProcess(configPath, { env: { NOTIFY_SOCKET: '' } });
    cleanups.push(async () => void (await daemon.stop('SIGKILL')));
    await daemon.ready();
    expect(daemon.logs.filter((l) => l['component'] === 'systemd')).toEqual([]);
    expect(await daemon.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it("each line starts with its journald priority when stdout is the journal's stream, and stays JSON after it", async () => {
    const dir = await tempDir('am-journal-');
    const configPath = join(dir, 'config.json');
    // Every level's priority is checked in the logger's unit test; here, the daemon as systemd runs it.
    await writeJson(configPath, baseConfig('journal', { mailServer: { enabled: false } }));
    // As systemd does: JOURNAL_STREAM is the device:inode of the stream stdout is connected to.
    const daemon = new DaemonProcess(configPath, {
      prefix: ['/bin/sh', '-c', 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/1) exec "$@"', 'sh'],
    });
    cleanups.push(async () => void (await daemon.stop('SIGKILL')));
    const ready = await daemon.waitForLog((line) => typeof line['msg'] === 'string' && (line['msg'] as string).includes('appliance-mail ready'));
    expect(ready['unparsed']).toBe(true);
    const raw = daemon.rawLines.find((line) => line.includes('"msg":"appliance-mail ready"'))!;
    expect(raw.startsWith('<6>{"level":"info"')).toBe(true);
    expect(JSON.parse(raw.slice(3))).toMatchObject({ level: 'info', msg: 'appliance-mail ready' });
    for (const line of daemon.rawLines) expect(line).toMatch(/^<[2-7]>\{/);
  });

  it('a JOURNAL_STREAM that is not stdout (output redirected by the service) leaves lines plain JSON', async () => {
    const dir = await tempDir('am-journal-');
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('redirected', { mailServer: { enabled: false } }));
    const daemon = new DaemonProcess(configPath, { env: { JOURNAL_STREAM: '8:12345' } });
    cleanups.push(async () => void (await daemon.stop('SIGKILL')));
    await daemon.ready();
    for (const line of daemon.rawLines) expect(line.startsWith('{')).toBe(true);
  });
});
