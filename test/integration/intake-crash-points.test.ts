/**
 * kill -9 at chosen steps of intake's hot path, not at a random moment: strace, attached to the
 * running daemon, delivers SIGKILL as a thread enters the Nth call of a syscall —
 *   - fdatasync: a batch of records is written but not yet durable (its submitters wait);
 *   - writev: a batch is about to be written, or an acknowledgement is about to go out on the
 *     socket (libuv writes both with writev).
 * Rendering happens on the event loop with no syscall (a kill there is relay-crash.test.ts's
 * random moment). After each kill the daemon restarts and every acknowledged message arrives.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson } from '../helpers/daemon.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { missingCapability, missingTool, needsRoot } from '../helpers/tools.js';

const CONCURRENCY = 32;
const POINTS = [
  { syscall: 'fdatasync', when: 8 },
  { syscall: 'writev', when: 60 },
] as const;

let smtp: SmtpSink | undefined;
afterAll(async () => smtp?.close());

/** A daemon's folder configured for a server that refuses connections; `mailServer` is the sink's, for the restart that delivers. */
async function folderWithServerDown(name: string, relay: Record<string, string>) {
  smtp ??= await startSmtpSink({});
  const dir = await tempDir(`am-${name}-`);
  await writeFile(join(dir, 'ca.pem'), smtp.caPem);
  const configPath = join(dir, 'config.json');
  const mailServer = { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', tls: true, caFile: './ca.pem' };
  await writeJson(configPath, baseConfig(name, { mailServer: { ...mailServer, server: '127.0.0.1:9', tls: false, caFile: undefined }, relay }));
  return { dir, configPath, mailServer };
}

describe.skipIf(missingTool('strace', 'strace') || missingCapability('kill at a syscall', needsRoot('attach strace to the daemon')))('kill -9 at each step of intake', () => {
  it.each(POINTS)('every acknowledged message arrives after a kill at the $when th $syscall', async ({ syscall, when }) => {
    // Mail waits (a server that refuses connections: deliveries pause) while the kill is aimed,
    // so that intake makes the syscalls.
    const relay = { retryMin: '200ms', retryMax: '1s' };
    const { dir, configPath, mailServer } = await folderWithServerDown('crash-points', relay);
    const daemon = new DaemonProcess(configPath);
    await daemon.ready();
    const traceFile = join(dir, 'strace.out');
    const strace = spawn('strace', ['-f', '-qq', '-p', String(daemon.pid), '-e', `trace=${syscall}`, '-e', `inject=${syscall}:signal=SIGKILL:when=${when}`, '-o', traceFile], { stdio: 'ignore' });
    const straceDone = new Promise((resolve) => strace.once('exit', resolve));
    // strace says nothing when it is attached: a first traced call in its output shows it is.
    const control = connectControl(join(dir, 'admin.sock'));
    await eventually(async () => {
      await control.submit({ to: ['ops@example.com'], subject: 'attach probe', text: 'probe', html: '', kind: 'alert', idempotency_key: '' });
      return (await readFile(traceFile, 'utf8').catch(() => '')).includes(`${syscall}(`) ? true : undefined;
    }, 10_000, 'strace attached');

    const acked = new Set<string>();
    let n = 0;
    const worker = async () => {
      while (daemon.running) {
        const i = n++;
        const reply = await control.submit({ to: ['ops@example.com'], subject: `step ${i}`, text: `message ${i}`, html: '', kind: 'alert', idempotency_key: '' }).catch(() => null);
        if (reply) acked.add(reply.id);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect((await daemon.exited).signal).toBe('SIGKILL');
    await straceDone;
    control.close();
    // Killed inside the aimed call: strace shows it unfinished ("= ?" or "<unfinished ...>").
    expect(await readFile(traceFile, 'utf8')).toMatch(new RegExp(`${syscall}\\(.*(= \\?|<unfinished)`));
    expect(acked.size).toBeGreaterThan(0);
    console.log(`kill at the ${when}th ${syscall}: ${acked.size} acknowledged before it`);

    await writeJson(configPath, baseConfig('crash-points', { mailServer, relay }));
    const again = new DaemonProcess(configPath);
    await again.ready();
    const delivered = () => new Set(smtp!.received.map((m) => /^X-Appliance-Mail-Id: (.*)$/im.exec(m.raw)?.[1]?.trim() ?? ''));
    await eventually(() => ([...acked].every((id) => delivered().has(id)) ? true : undefined), 30_000, 'every acknowledged message');
    await again.stop();
  }, 90_000);

  it('the index snapshot: a kill while it is written leaves the journal to read; after one, a start reads it and the records after it', async () => {
    // Each message is tried once against a server that refuses connections, then waits an hour:
    // the journal then stops moving, and the daemon takes its snapshot.
    const relay = { retryMin: '1h', retryMax: '1h' };
    const { dir, configPath, mailServer } = await folderWithServerDown('crash-snapshot', relay);
    const outbox = join(dir, 'state', 'outbox');
    const acked = new Set<string>();
    const submit = async (control: ReturnType<typeof connectControl>, count: number) => {
      let n = 0;
      const worker = async () => {
        while (n < count) {
          const i = n++;
          const reply = await control.submit({ to: ['ops@example.com'], subject: `snapshot ${i}`, text: `message ${i} `.repeat(120), html: '', kind: 'digest', idempotency_key: '' }).catch(() => null);
          if (reply) acked.add(reply.id);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    // 1. Killed as the snapshot's file is synced (the journal syncs with fdatasync, the snapshot with fsync).
    const first = new DaemonProcess(configPath);
    await first.ready();
    const traceFile = join(dir, 'strace.out');
    const strace = spawn('strace', ['-f', '-qq', '-p', String(first.pid), '-e', 'trace=fdatasync,fsync', '-e', 'inject=fsync:signal=SIGKILL:when=1', '-o', traceFile], { stdio: 'ignore' });
    const straceDone = new Promise((resolve) => strace.once('exit', resolve));
    const control = connectControl(join(dir, 'admin.sock'));
    await eventually(async () => {
      const { id } = await control.submit({ to: ['ops@example.com'], subject: 'attach probe', text: 'probe', html: '', kind: 'alert', idempotency_key: '' });
      acked.add(id);
      return (await readFile(traceFile, 'utf8').catch(() => '')).includes('fdatasync(') ? true : undefined;
    }, 10_000, 'strace attached');
    // ~1.5 MB of journal: past the 1 MiB a snapshot waits for.
    await submit(control, 1000);
    expect((await first.exited).signal).toBe('SIGKILL');
    await straceDone;
    control.close();
    expect(await readFile(traceFile, 'utf8')).toMatch(/fsync\(.*(= \?|<unfinished)/);
    expect((await readdir(outbox)).filter((f) => f.includes('snapshot'))).toEqual([expect.stringMatching(/^\.index\.snapshot\.\d+\.\d+\.tmp$/)]);

    // 2. The next start reads every record (and removes the unfinished file), then writes a snapshot once quiet.
    const second = new DaemonProcess(configPath);
    await second.ready();
    expect(second.logs.find((l) => String(l['msg']).startsWith('outbox loaded'))?.['msg']).toMatch(/from every journal record: \d+ messages/);
    await eventually(() => (second.logs.some((l) => String(l['msg']).startsWith('outbox index snapshot written')) ? true : undefined), 20_000, 'a snapshot once quiet');
    expect((await readdir(outbox)).filter((f) => f.includes('snapshot'))).toEqual(['index.snapshot']);
    const control2 = connectControl(join(dir, 'admin.sock'));
    const beforeKill = acked.size;
    await submit(control2, 200);
    control2.close();
    await second.stop('SIGKILL');

    // 3. A start after that kill reads the snapshot and the records after it (200 messages, each tried once); then every acknowledged message arrives.
    await writeJson(configPath, baseConfig('crash-snapshot', { mailServer, relay }));
    const third = new DaemonProcess(configPath);
    await third.ready();
    const loaded = third.logs.find((l) => String(l['msg']).startsWith('outbox loaded'));
    expect(loaded).toMatchObject({ snapshotMessages: beforeKill, live: acked.size });
    expect(loaded?.['records']).toBeGreaterThanOrEqual(200);
    expect(loaded?.['records']).toBeLessThanOrEqual(400);
    const control3 = connectControl(join(dir, 'admin.sock'));
    await control3.flushOutbox();
    control3.close();
    const delivered = () => new Set(smtp!.received.map((m) => /^X-Appliance-Mail-Id: (.*)$/im.exec(m.raw)?.[1]?.trim() ?? ''));
    await eventually(() => ([...acked].every((id) => delivered().has(id)) ? true : undefined), 60_000, 'every acknowledged message');
    await third.stop();
  }, 150_000);
});
