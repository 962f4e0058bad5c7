/**
 * The privilege model as the README's install section deploys it, with real users: the daemon
 * runs as its own user; the Engine's user is a member of the daemon's group and nothing more.
 * The Engine may submit and read status; every administrator's call is refused, and the config,
 * the state, the journal and the password cannot be read by it. Needs root to create users (CI
 * runs as root).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, DaemonProcess, eventually, runCommand, tempDir, type CliResult } from '../helpers/daemon.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { missingCapability, needsRoot } from '../helpers/tools.js';

const DAEMON_USER = 'amtest-mail';
const ENGINE_USER = 'amtest-engine';
const PASSWORD = 'Eng1ne-Pa55-must-not-see';
const REPO = resolve(import.meta.dirname, '../..');

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(command: string, args: string[]): void {
  const result = run(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
}

/** What the README's install section does for the daemon's user and a submitter's user. */
function createUsers(): void {
  if (run('id', ['-u', DAEMON_USER]).status !== 0) {
    must('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', DAEMON_USER]);
  }
  if (run('id', ['-u', ENGINE_USER]).status !== 0) {
    must('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', ENGINE_USER]);
  }
  must('usermod', ['-aG', DAEMON_USER, ENGINE_USER]);
}

/** `setpriv` execs in place (the pid is the program's) and sets the user's supplementary groups. */
const as = (user: string) => ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--'];

function runAs(user: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCommand([...as(user), ...args], { env });
}

describe.skipIf(missingCapability('privilege tests', needsRoot('create users and run commands as them')))('privilege: the Engine user as the README sets it up', () => {
  let app: string;
  let base: string;
  let configPath: string;
  let stateDir: string;
  let submitSocket: string;
  let daemon: DaemonProcess;
  let sink: SmtpSink;
  let engineEnv: NodeJS.ProcessEnv;
  let spool: string;

  const engineCli = (args: string[]) => runAs(ENGINE_USER, [process.execPath, join(app, 'dist/cli/main.js'), ...args], engineEnv);

  beforeAll(async () => {
    createUsers();
    base = await tempDir('am-priv-');
    await chmod(base, 0o755);
    // The other users must reach the program: a checkout under a private folder is copied.
    app = run('setpriv', [...as(ENGINE_USER).slice(1, -1), 'test', '-r', CLI]).status === 0 ? REPO : join(base, 'opt');
    if (app !== REPO) {
      await mkdir(app);
      must('cp', ['-a', join(REPO, 'dist'), join(REPO, 'proto'), join(REPO, 'package.json'), app]);
      if (run('cp', ['-al', join(REPO, 'node_modules'), app]).status !== 0) must('cp', ['-a', join(REPO, 'node_modules'), app]);
    }

    sink = await startSmtpSink({ users: { mailer: PASSWORD } });
    const etc = join(base, 'etc');
    stateDir = join(base, 'state');
    const runDir = join(base, 'run');
    spool = join(base, 'spool');
    // As systemd/appliance-mail.tmpfiles makes it: sendmail's drop folder.
    must('install', ['-d', '-m', '1730', '-o', DAEMON_USER, '-g', DAEMON_USER, spool]);
    // As systemd's ConfigurationDirectory, StateDirectory and RuntimeDirectory in the unit make them.
    must('install', ['-d', '-m', '0750', '-o', DAEMON_USER, '-g', DAEMON_USER, etc]);
    must('install', ['-d', '-m', '0700', '-o', DAEMON_USER, '-g', DAEMON_USER, stateDir]);
    must('install', ['-d', '-m', '0750', '-o', DAEMON_USER, '-g', DAEMON_USER, runDir]);
    await writeFile(join(etc, 'ca.pem'), sink.caPem);
    must('chown', [`${DAEMON_USER}:${DAEMON_USER}`, join(etc, 'ca.pem')]);
    configPath = join(etc, 'config.json');
    submitSocket = join(runDir, 'control.sock');
    const config = {
      node: { name: 'priv-primary', role: 'primary', stateDir },
      mailServer: { enabled: true, server: `127.0.0.1:${sink.port}`, sender: 'alerts@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(etc, 'ca.pem') },
      notifications: { recipients: 'ops@example.com' },
      portal: { address: 'portal.example.com' },
      federation: { listen: '127.0.0.1:0' },
      control: { socket: submitSocket },
      submission: { dropFolder: spool },
    };
    await writeFile(configPath, JSON.stringify(config, null, 2));
    must('chown', [`${DAEMON_USER}:${DAEMON_USER}`, configPath]);
    await chmod(configPath, 0o600);

    daemon = new DaemonProcess(configPath, { prefix: as(DAEMON_USER) });
    await daemon.ready();
    // The Engine needs no config: only where the submitters' socket is.
    engineEnv = { APPLIANCE_MAIL_SOCKET: submitSocket, APPLIANCE_MAIL_CONFIG: configPath };
  });

  afterAll(async () => {
    await daemon?.stop();
    await sink?.close();
  });

  it('submits mail, and the mail arrives', async () => {
    const sent = await engineCli(['alert', '--to', 'oncall@example.com', '--subject', 'disk full', '--text', 'on engine-1']);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    await eventually(() => (sink.received.some((m) => m.to.includes('oncall@example.com')) ? true : undefined), 15_000, 'the alert at the mail server');
  });

  it('reads a status that holds no secret', async () => {
    const status = await engineCli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/password set/);
    const json = await engineCli(['status', '--json']);
    expect(json.code).toBe(0);
    for (const text of [status.stdout, json.stdout]) expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(json.stdout).warnings).toEqual([]);
  });

  it.each([
    [['token', 'create']],
    [['token', 'list']],
    [['token', 'delete', 'deadbeef']],
    [['nodes']],
    [['nodes', 'remove', 'somebody']],
    [['join', '--primary', '127.0.0.1:7443', '--token', 'amj1.00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.00']],
    [['centralize']],
    [['local']],
    [['leave']],
    [['outbox']],
    [['outbox', 'retry', '--all-dead']],
    [['outbox', 'flush']],
    [['outbox', 'drop', 'm-1']],
    [['test-email', '--to', 'attacker@example.com']],
    [['console', 'passwd', 'intruder']],
    [['console', 'remove', 'admin']],
  ])('is refused %j with AM_ADMIN_ONLY', async (args) => {
    const result = await engineCli(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[AM_ADMIN_ONLY\]/);
  });

  it("is refused every administrator's call made straight on the submitters' socket, bypassing the CLI", async () => {
    // The daemon, not the CLI, is the guard: speak gRPC to the socket the Engine may use.
    const script = `
      const { connectControl } = await import(${JSON.stringify(join(app, 'dist/control/client.js'))});
      const c = connectControl(${JSON.stringify(submitSocket)});
      const calls = {
        createToken: () => c.createToken({ ttl_seconds: 60 }),
        listTokens: () => c.listTokens(),
        deleteToken: () => c.deleteToken({ id: 'deadbeef' }),
        listNodes: () => c.listNodes(),
        removeNode: () => c.removeNode({ name: 'x' }),
        join: () => c.join({ primary: '127.0.0.1:1', token: 'x', centralize: true }),
        setMode: () => c.setMode({ mode: 'local' }),
        leave: () => c.leave(),
        listOutbox: () => c.listOutbox(),
        retryOutbox: () => c.retryOutbox({ ids: [], all_dead: true }),
        dropOutbox: () => c.dropOutbox({ id: 'x' }),
        flushOutbox: () => c.flushOutbox(),
        testEmail: () => c.testEmail({ to: ['attacker@example.com'] }, () => undefined),
        setConsolePassword: () => c.setConsolePassword({ name: 'intruder', password: 'intruder-password' }),
        removeConsoleUser: () => c.removeConsoleUser({ name: 'admin' }),
      };
      const out = {};
      for (const [name, run] of Object.entries(calls)) out[name] = await run().then(() => 'ALLOWED', (e) => e.code);
      c.close();
      console.log(JSON.stringify(out));`;
    const result = await runAs(ENGINE_USER, [process.execPath, '--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    const codes = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(codes)).toHaveLength(15);
    for (const [name, code] of Object.entries(codes)) expect([name, code]).toEqual([name, 'AM_ADMIN_ONLY']);
  });

  it("cannot connect to the administrators' socket at all", async () => {
    const adminSocket = join(base, 'run', 'admin.sock');
    const script = `require('node:net').connect(${JSON.stringify(adminSocket)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const result = await runAs(ENGINE_USER, [process.execPath, '-e', script]);
    expect(result.stdout.trim()).toBe('EACCES');
  });

  it('cannot read the config, the state, the journal, the keys or the password', async () => {
    const files = [configPath];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else files.push(join(dir, entry.name));
      }
    };
    await walk(stateDir);
    expect(files.some((f) => f.endsWith('state.json'))).toBe(true);
    expect(files.some((f) => /journal-\d+\.log$/.test(f))).toBe(true);
    expect(files.some((f) => f.endsWith('federation-key.pem'))).toBe(true);
    for (const file of files) {
      const read = await runAs(ENGINE_USER, ['cat', file]);
      expect([file, read.code, read.stdout]).toEqual([file, 1, '']);
      expect(read.stderr).toMatch(/Permission denied/);
    }
    const grep = await runAs(ENGINE_USER, ['grep', '-rl', PASSWORD, base]);
    expect(grep.stdout).toBe('');
  });

  it("sees neither the config file's version (a hash over the password) nor a refused edit's words", async () => {
    const good = await readFile(configPath, 'utf8');
    const typo = JSON.parse(good) as { mailServer: Record<string, unknown> };
    // An operator pastes the password where a key goes: the refusal names the key.
    typo.mailServer[PASSWORD] = true;
    try {
      await writeFile(configPath, JSON.stringify(typo, null, 2));
      const admin = await eventually(async () => {
        const s = JSON.parse((await runAs(DAEMON_USER, [process.execPath, join(app, 'dist/cli/main.js'), 'status', '--json', '--config', configPath])).stdout);
        return s.config.error_code === 'AM_CONFIG_INVALID' ? s : undefined;
      }, 10_000, 'the refused edit');
      expect(admin.config.version).toMatch(/^[0-9a-f]{12}$/);
      const mine = JSON.parse((await engineCli(['status', '--json'])).stdout);
      expect(mine.config).toMatchObject({ version: '', error_code: 'AM_CONFIG_INVALID', error: expect.stringContaining('an administrator sees it') });
      expect(JSON.stringify(mine)).not.toContain(PASSWORD);
    } finally {
      await writeFile(configPath, good);
    }
    await eventually(async () => (JSON.parse((await engineCli(['status', '--json'])).stdout).config.error_code === '' ? true : undefined), 10_000, 'the good file back');
  });

  it('status warns while the file holding the password is readable by the group', async () => {
    await chmod(configPath, 0o640);
    try {
      const status = await engineCli(['status', '--json']);
      expect(JSON.parse(status.stdout).warnings.join('\n')).toMatch(/config\.json holds the SMTP password and is readable beyond the daemon's user .*members of group amtest-mail.*chmod 0600/);
    } finally {
      await chmod(configPath, 0o600);
    }
  });

  it('leaves mail in the drop folder while the daemon is away; the folder takes files from members only, and they cannot list it', async () => {
    // The daemon's socket unreachable (as while it is stopped): sendmail falls back to the drop folder.
    const away = { APPLIANCE_MAIL_SOCKET: join(base, 'run', 'gone.sock'), APPLIANCE_MAIL_DROP_FOLDER: spool };
    const outsiderAs = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'];
    const sendmail = (user: string, to: string) =>
      runCommand([...(user === 'nobody' ? outsiderAs : as(user)), process.execPath, join(app, 'dist/cli/main.js'), 'sendmail', '-i', to], { env: away, input: `Subject: from ${user}\n\nleft while the daemon was away\n` });
    const member = await sendmail(ENGINE_USER, 'dropped@example.com');
    expect({ code: member.code, stderr: member.stderr }).toEqual({ code: 0, stderr: '' });
    // The daemon (another user) reads the member's file, queues it, removes it: the mail arrives.
    await eventually(() => (sink.received.some((m) => m.to.includes('dropped@example.com')) ? true : undefined), 15_000, 'the dropped mail at the mail server');
    expect(run('setpriv', [...as(ENGINE_USER).slice(1), 'ls', spool])).toMatchObject({ status: 2, stderr: expect.stringMatching(/Permission denied/) });
    // Not a member: neither sendmail nor anything else may write there; sendmail says why and exits 75.
    const outsider = await sendmail('nobody', 'never@example.com');
    expect(outsider.code, outsider.stderr).toBe(75);
    expect(outsider.stderr).toMatch(/cannot write into the drop folder .*EACCES.*\[AM_DROP_FOLDER_UNAVAILABLE\]/);
    expect(run('setpriv', [...outsiderAs.slice(1), 'touch', join(spool, 'x.msg')])).toMatchObject({ status: 1, stderr: expect.stringMatching(/Permission denied/) });
    expect(await readdir(spool)).toEqual(['bad']);
  });
});
