/**
 * The daemon as a real process on real files: live reload through a real watcher, refused edits,
 * state file handling, the status command over the real control socket, clean shutdown.
 */
import { rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, runCli, tempDir, writeJson, type Json } from '../helpers/daemon.js';

const PASSWORD = 'S3cret-Pa55word!';

describe('daemon with a live config file', () => {
  let dir: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let control: Control;
  let config: Json;

  beforeAll(async () => {
    dir = await tempDir();
    configPath = join(dir, 'config.json');
    config = baseConfig('node-a');
    await writeJson(configPath, config);
    daemon = new DaemonProcess(configPath);
    await daemon.ready();
    control = connectControl(join(dir, 'admin.sock'));
  });

  afterAll(async () => {
    control?.close();
    await daemon?.stop();
  });

  const senderNow = async () => (await control.status()).mail_server?.sender;

  /** Writes the config with `sender` through `write`, and returns ms until status shows it. */
  async function editAndMeasure(sender: string, write: (text: string) => Promise<void>): Promise<number> {
    const mailServer = { ...(config['mailServer'] as Json), sender };
    config = { ...config, mailServer };
    const start = performance.now();
    await write(`${JSON.stringify(config, null, 2)}\n`);
    await eventually(async () => ((await senderNow()) === sender ? true : undefined), 5_000, `sender ${sender}`);
    return performance.now() - start;
  }

  it('answers status over the socket with role, settings and config version', async () => {
    const status = await control.status();
    expect(status).toMatchObject({ node_name: 'node-a', role: 'primary', mode: 'primary' });
    expect(status.mail_server).toMatchObject({ enabled: true, server: '127.0.0.1:2525', password: 'set', tls: true });
    expect(status.config?.version).toMatch(/^[0-9a-f]{12}$/);
    expect(status.config?.error).toBe('');
  });

  it('applies an in-place edit (npm run bench measures how fast)', async () => {
    const ms = await editAndMeasure('inplace@example.com', (text) => writeFile(configPath, text));
    console.log(`in-place edit applied in ${ms.toFixed(0)} ms`);
  });

  it('applies an edit renamed over the file (vim, sed -i, config tools)', async () => {
    const ms = await editAndMeasure('renamed@example.com', async (text) => {
      await writeFile(join(dir, '.config.json.tmp'), text);
      await rename(join(dir, '.config.json.tmp'), configPath);
    });
    console.log(`rename-over edit applied in ${ms.toFixed(0)} ms`);
  });

  it('applies a file deleted and created again', async () => {
    const ms = await editAndMeasure('recreated@example.com', async (text) => {
      await rm(configPath);
      await new Promise((r) => setTimeout(r, 100));
      await writeFile(configPath, text);
    });
    console.log(`delete-recreate edit applied in ${ms.toFixed(0)} ms`);
  });

  it('applies several edits in a row and ends on the last', async () => {
    for (let i = 0; i < 5; i++) {
      config = { ...config, mailServer: { ...(config['mailServer'] as Json), sender: `burst${i}@example.com` } };
      await writeFile(configPath, JSON.stringify(config));
    }
    await eventually(async () => ((await senderNow()) === 'burst4@example.com' ? true : undefined), 3_000);
  });

  const goodText = () => `${JSON.stringify(config, null, 2)}\n`;
  const edit = (fn: (c: any) => void) => {
    const c = structuredClone(config) as any;
    fn(c);
    return JSON.stringify(c, null, 2);
  };
  const invalidEdits: Array<[string, () => string, string]> = [
    ['bad JSON', () => '{ "node": { "name": ', '(file)'],
    ['an unknown key', () => edit((c) => (c.mailServer.smtpHost = 'x')), 'mailServer'],
    ['a wrong type', () => edit((c) => (c.mailServer.tls = 'yes')), 'mailServer.tls'],
    ['a bad server address', () => edit((c) => (c.mailServer.server = 'smtp..example.com')), 'mailServer.server'],
    ['a port out of range', () => edit((c) => (c.mailServer.server = 'smtp.example.com:99999')), 'mailServer.server'],
    ['a bad sender', () => edit((c) => (c.mailServer.sender = 'not-an-address')), 'mailServer.sender'],
    ['a bad recipient', () => edit((c) => (c.notifications.recipients = 'ops@example.com, ops@')), 'notifications.recipients'],
    ['a missing required field', () => edit((c) => delete c.node.name), 'node.name'],
    ['a missing section', () => edit((c) => delete c.mailServer), 'mailServer'],
    ['an unreadable password file', () => edit((c) => { delete c.mailServer.password; c.mailServer.passwordFile = './nope'; }), 'mailServer.passwordFile'],
    ['a field that needs a restart', () => edit((c) => (c.node.stateDir = './elsewhere')), 'node.stateDir'],
    ['an empty file', () => '', '(file)'],
  ];

  it.each(invalidEdits)('refuses %s whole, names the field, keeps the last good config', async (_kind, text, field) => {
    const before = await control.status();
    const from = daemon.logs.length;
    await writeFile(configPath, text());
    const logged = await daemon.waitForLog((l) => l['level'] === 'error' && l['component'] === 'config', 5_000, from);
    expect(String(logged['msg'])).toContain(configPath);
    expect(String(logged['msg'])).toContain(`${field}:`);
    const after = await control.status();
    expect(after.config?.error).toContain(`${field}:`);
    expect(after.config?.error_code).toMatch(/^AM_CONFIG_/);
    expect(after.config?.version).toBe(before.config?.version);
    expect(after.mail_server).toEqual(before.mail_server);
    // A good edit clears the error.
    await writeFile(configPath, goodText());
    await eventually(async () => ((await control.status()).config?.error === '' ? true : undefined), 3_000, 'error cleared');
  });

  it('shows the error in the status command until a good edit clears it', async () => {
    await writeFile(configPath, edit((c) => (c.mailServer.server = 'smtp.example.com:0')));
    await eventually(async () => ((await control.status()).config?.error ? true : undefined), 3_000);
    const shown = await runCli(['status', '--config', configPath]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Config error\s+invalid config .*mailServer\.server: port 0 is out of range \(1-65535\) \[AM_CONFIG_INVALID\]/);
    await writeFile(configPath, goodText());
    await eventually(async () => ((await control.status()).config?.error === '' ? true : undefined), 3_000);
    expect((await runCli(['status', '--config', configPath])).stdout).toMatch(/Config error\s+none/);
  });

  it('never shows the password in status, status --json or the logs', async () => {
    const text = await runCli(['status', '--config', configPath]);
    const json = await runCli(['status', '--json'], { env: { APPLIANCE_MAIL_CONFIG: configPath } });
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).mail_server.password).toBe('set');
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr, daemon.rawLines.join('\n'), daemon.stderr]) {
      expect(output).not.toContain(PASSWORD);
    }
  });

  it('keeps its state file at mode 0600 and never rewrites the config file', async () => {
    expect((await stat(join(dir, 'state', 'state.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(configPath, 'utf8')).toBe(goodText());
  });

  it('says who may use the control socket, and the socket is 0660', async () => {
    expect((await stat(join(dir, 'control.sock'))).mode & 0o777).toBe(0o660);
    expect((await control.status()).control_access).toMatch(/user \S+, members of group \S+ \(mode 0660\)/);
  });

  it('exits 0 on SIGTERM and removes its socket', async () => {
    const result = await daemon.stop('SIGTERM');
    expect(result).toEqual({ code: 0, signal: null });
    await expect(stat(join(dir, 'control.sock'))).rejects.toThrow(/ENOENT/);
    expect(daemon.logs.some((l) => l['msg'] === 'appliance-mail stopped')).toBe(true);
  });
});

describe('daemon start-up', () => {
  it('exits non-zero with the field and reason on an invalid config', async () => {
    const dir = await tempDir();
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('bad', { control: { socket: './c.sock', sokcet: 'typo' } }));
    const daemon = new DaemonProcess(configPath);
    const exit = await daemon.exited;
    expect(exit.code).toBe(1);
    expect(daemon.stderr).toContain(`invalid config ${configPath}: control: unknown key: "sokcet"`);
    expect(daemon.stderr).toContain('[AM_CONFIG_INVALID]');
    expect(daemon.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to start on a corrupt state file, and leaves it as it was', async () => {
    const dir = await tempDir();
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('corrupt'));
    const daemon = new DaemonProcess(configPath);
    await daemon.ready();
    await daemon.stop();
    const statePath = join(dir, 'state', 'state.json');
    const text = await readFile(statePath, 'utf8');
    await writeFile(statePath, text.slice(0, text.length / 2));
    const again = new DaemonProcess(configPath);
    expect((await again.exited).code).toBe(1);
    expect(again.stderr).toContain(`state file ${statePath} is corrupt`);
    expect(again.stderr).toContain('[AM_STATE_CORRUPT]');
    expect(await readFile(statePath, 'utf8')).toBe(text.slice(0, text.length / 2));
  });

  it('refuses a second daemon on the same control socket, from another state folder', async () => {
    const dir = await tempDir();
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('twice'));
    const otherConfigPath = join(dir, 'other.json');
    await writeJson(otherConfigPath, baseConfig('twice', { node: { name: 'twice', role: 'primary', stateDir: './other-state' } }));
    const first = new DaemonProcess(configPath);
    await first.ready();
    const second = new DaemonProcess(otherConfigPath);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr).toMatch(/another appliance-mail daemon is listening on .*control\.sock.*\[AM_ALREADY_RUNNING\]/);
    await first.stop();
  });

  it('starts after a kill -9 left a stale socket behind', async () => {
    const dir = await tempDir();
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('stale'));
    const first = new DaemonProcess(configPath);
    await first.ready();
    await first.stop('SIGKILL');
    const second = new DaemonProcess(configPath);
    await second.ready();
    expect((await runCli(['status', '--config', configPath])).code).toBe(0);
    await second.stop();
  });

  it('status without a running daemon is one line and a non-zero exit', async () => {
    const dir = await tempDir();
    const configPath = join(dir, 'config.json');
    await writeJson(configPath, baseConfig('down'));
    const result = await runCli(['status', '--config', configPath]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/the daemon is not running or not reachable on .*control\.sock.*\[AM_DAEMON_UNREACHABLE\]/);
  });
});
