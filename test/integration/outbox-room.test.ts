/**
 * Issue 20 as real users (as privilege.test.ts runs them): an alert always gets out. With the
 * mail server down and a small outbox, a non-member floods the submission port: the flood is
 * limited per client (a second source is still served) and capped at the port's share, the
 * Engine's alert is still accepted and, once the server is back, leaves first. Idempotency keys
 * belong to their caller: a key taken first never refuses or suppresses another's message.
 * Needs root to create users (CI runs as root).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, DaemonProcess, eventually, runCli, runCommand, tempDir, type CliResult } from '../helpers/daemon.js';
import { headerValue } from '../helpers/mail.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const REPO = resolve(import.meta.dirname, '../..');
const FLOOD = resolve(import.meta.dirname, '../helpers/smtp-flood.py');
// Unique per run: other engineers' tests create users too.
const TAG = `${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
const DAEMON_USER = `amr-d${TAG}`;
const ENGINE_USER = `amr-e${TAG}`;
const OUTSIDER = `amr-x${TAG}`;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
function must(command: string, args: string[]): void {
  const result = run(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
}
const as = (user: string) => ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--'];
const systemUser = (user: string) => must('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user]);

describe.skipIf(process.getuid?.() !== 0)('an alert always gets out (issue 20), as real users', () => {
  let base: string;
  let app: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let sink: SmtpSink;
  let port: number;
  let engineEnv: NodeJS.ProcessEnv;

  const engineCli = (args: string[], input?: string): Promise<CliResult> =>
    runCommand([...as(ENGINE_USER), process.execPath, join(app, 'dist/cli/main.js'), ...args], { env: engineEnv, ...(input === undefined ? {} : { input }) });
  async function flood(source: string, size: number, count: number, messageId = ''): Promise<{ accepted: number; refused: { code: number; text: string } | null }> {
    const r = await runCommand([...as(OUTSIDER), '/usr/bin/python3', FLOOD, '127.0.0.1', String(port), source, String(size), String(count), messageId], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { accepted: number; refused: { code: number; text: string } | null };
  }
  const idsOf = (m: SmtpSink['received'][number]) => headerValue(m.raw, 'X-Appliance-Mail-ID');

  beforeAll(async () => {
    systemUser(DAEMON_USER);
    systemUser(ENGINE_USER);
    systemUser(OUTSIDER);
    must('usermod', ['-aG', DAEMON_USER, ENGINE_USER]);
    base = await tempDir('am-room-');
    await chmod(base, 0o755);
    app = run('setpriv', [...as(OUTSIDER).slice(1, -1), 'test', '-r', CLI]).status === 0 ? REPO : join(base, 'opt');
    if (app !== REPO) {
      await mkdir(app);
      must('cp', ['-a', join(REPO, 'dist'), join(REPO, 'proto'), join(REPO, 'package.json'), app]);
      if (run('cp', ['-al', join(REPO, 'node_modules'), app]).status !== 0) must('cp', ['-a', join(REPO, 'node_modules'), app]);
    }
    await chmod(FLOOD, 0o755);
    sink = await startSmtpSink();
    // The mail server is down until the test brings it back.
    sink.unavailable = true;
    const etc = join(base, 'etc');
    const stateDir = join(base, 'state');
    const runDir = join(base, 'run');
    must('install', ['-d', '-m', '0750', '-o', DAEMON_USER, '-g', DAEMON_USER, etc]);
    must('install', ['-d', '-m', '0700', '-o', DAEMON_USER, '-g', DAEMON_USER, stateDir]);
    must('install', ['-d', '-m', '0750', '-o', DAEMON_USER, '-g', DAEMON_USER, runDir]);
    await writeFile(join(etc, 'ca.pem'), sink.caPem);
    configPath = join(etc, 'config.json');
    const submitSocket = join(runDir, 'control.sock');
    const config = {
      node: { name: 'room', role: 'primary', stateDir },
      mailServer: { enabled: true, server: `127.0.0.1:${sink.port}`, sender: 'alerts@example.com', tls: true, caFile: join(etc, 'ca.pem') },
      notifications: { recipients: 'ops@example.com' },
      control: { socket: submitSocket },
      submission: { listen: '127.0.0.1:0', limits: { messagesPerMinute: 20 } },
      // A small outbox: the port's quarter of it is 256 KiB.
      relay: { maxOutboxBytes: 1024 * 1024, minFreeBytes: 0 },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    must('chown', ['-R', `${DAEMON_USER}:${DAEMON_USER}`, etc]);
    await chmod(configPath, 0o600);
    daemon = new DaemonProcess(configPath, { prefix: as(DAEMON_USER) });
    await daemon.ready();
    port = Number(String((await daemon.waitForLog((l) => l['msg'] === 'submission port listening'))['listen']).split(':').pop());
    engineEnv = { APPLIANCE_MAIL_SOCKET: submitSocket, APPLIANCE_MAIL_CONFIG: configPath };
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await sink?.close();
    for (const user of [OUTSIDER, ENGINE_USER, DAEMON_USER]) run('userdel', [user]);
    run('groupdel', [DAEMON_USER]);
  });

  it('limits one source per minute while a second source is still served', async () => {
    const first = await flood('127.0.0.1', 1000, 100);
    expect(first.accepted).toBe(20);
    expect(first.refused).toMatchObject({ code: 451, text: expect.stringMatching(/too many messages a minute from 127\.0\.0\.1: submission\.limits\.messagesPerMinute is 20/) });
    await daemon.waitForLog((l) => l['code'] === 'AM_CLIENT_LIMITED' && l['client'] === '127.0.0.1' && l['level'] === 'warn');
    const second = await flood('127.0.0.2', 1000, 1);
    expect(second).toEqual({ accepted: 1, refused: null });
  }, 60_000);

  it('caps the port at its share: the flood is refused, the Engine\'s alert is accepted and leaves first', async () => {
    // From further sources (a non-member can bind any 127/8 address): only the share stops this.
    let refused: { code: number; text: string } | null = null;
    for (let source = 3; refused === null && source < 40; source++) refused = (await flood(`127.0.0.${source}`, 30_000, 20)).refused;
    expect(refused).toMatchObject({ code: 451, text: expect.stringContaining("the outbox's share for the submission port is full") });
    const status = await runCli(['status', '--json', '--config', configPath]);
    const lanes = (JSON.parse(status.stdout) as { outbox: { lanes: Array<{ lane: string; bytes: string; limit_bytes: string }> } }).outbox.lanes;
    const portLane = lanes.find((l) => l.lane === 'port')!;
    expect(Number(portLane.bytes)).toBeGreaterThan(0.8 * Number(portLane.limit_bytes));

    const alert = await engineCli(['alert', '--to', 'oncall@example.com', '--subject', 'CRITICAL: RAID degraded', '--text', 'array 1']);
    expect(alert.stderr).toBe('');
    expect(alert.code).toBe(0);
    const alertId = alert.stdout.trim();

    const waiting = (JSON.parse((await runCli(['outbox', '--json', '--config', configPath])).stdout) as { entries: unknown[] }).entries.length;
    sink.unavailable = false;
    expect((await runCli(['outbox', 'flush', '--config', configPath])).code).toBe(0);
    await eventually(() => (sink.received.some((m) => idsOf(m) === alertId) ? true : undefined), 30_000, 'the alert at the mail server');
    // The scheduler hands the alert out first; 4 pool connections then race, and one probe of
    // the flood may already be in flight: the alert arrives among the first 5 of all that waited.
    const FIRST_BATCH = 5;
    expect(waiting).toBeGreaterThan(4 * FIRST_BATCH);
    expect(sink.received.findIndex((m) => idsOf(m) === alertId)).toBeLessThan(FIRST_BATCH);
  }, 120_000);

  it('a key taken first by another caller neither refuses nor suppresses a message; a retry stays one message', async () => {
    const key = 'engine-alert-4711';
    const taken = await engineCli(['alert', '--to', 'ops@example.com', '--subject', 'all clear, ignore alerts', '--text', 'x', '--key', key]);
    expect(taken.code, taken.stderr).toBe(0);
    const real = await engineCli(['alert', '--to', 'ops@example.com', '--subject', 'CRITICAL: RAID degraded', '--text', 'array 2', '--key', key]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout.trim()).not.toBe(taken.stdout.trim());
    // The same request again (a retry after a timeout): the same message.
    const retried = await engineCli(['alert', '--to', 'ops@example.com', '--subject', 'CRITICAL: RAID degraded', '--text', 'array 2', '--key', key]);
    expect(retried.stdout.trim()).toBe(real.stdout.trim());

    // Across doors: a non-member takes a Message-ID through the port, a member sends its own message with it.
    const messageId = `<taken-${TAG}@example.com>`;
    const first = await flood('127.0.0.50', 500, 1, messageId);
    expect(first.accepted).toBe(1);
    const member = await engineCli(['sendmail', 'ops@example.com'], `From: engine@example.com\nTo: ops@example.com\nSubject: real mail with that id\nMessage-ID: ${messageId}\n\nthe member's message\n`);
    expect(member.code, member.stderr).toBe(0);
    for (const [subject, count] of [['all clear, ignore alerts', 1], ['CRITICAL: RAID degraded', 2], ['real mail with that id', 1]] as const) {
      await eventually(() => (sink.received.filter((m) => headerValue(m.raw, 'Subject') === subject).length >= count ? true : undefined), 30_000, `mail '${subject}'`);
    }
    await eventually(() => (sink.received.some((m) => headerValue(m.raw, 'Subject') === `taken ${messageId}`) ? true : undefined), 30_000, 'the port message with the taken id');
    const ids = sink.received.map(idsOf);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);
});
