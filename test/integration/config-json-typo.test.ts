/**
 * A JSON typo next to the password must not quote the password (issue 11, finding 2): V8's
 * JSON.parse message quotes the text around the error. At start (`validate`, `daemon`) and on a
 * live reload (log line, `status`), the error gives line, column and key, and no piece of the
 * password.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, runCli, tempDir, writeJson } from '../helpers/daemon.js';

const PASSWORD = 'Pa55Qx7Vk9Wp2Zy4mR';
/** Every 4-character piece of the password: none may appear anywhere the error is shown. */
const PIECES = Array.from({ length: PASSWORD.length - 3 }, (_, i) => PASSWORD.slice(i, i + 4));

function config(): Record<string, unknown> {
  const c = baseConfig('typo') as Record<string, any>;
  c['mailServer'] = { ...c['mailServer'], password: PASSWORD };
  return c;
}

/** The config as an editor shows it, with the opening quote of the password deleted. */
function typoText(): { text: string; line: number; column: number } {
  const good = JSON.stringify(config(), null, 2);
  const text = good.replace(`"password": "${PASSWORD}"`, `"password": ${PASSWORD}"`);
  expect(text).not.toBe(good);
  const offset = text.indexOf(`: ${PASSWORD}`) + 2;
  const before = text.slice(0, offset);
  return { text, line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function expectNoPiece(where: string, text: string): void {
  const found = PIECES.filter((piece) => text.includes(piece));
  expect(found, `${where} quotes the password: ${text.slice(0, 500)}`).toEqual([]);
}

describe('a JSON typo next to the password', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop();
  });

  it('at start: validate and daemon give line, column and key, never the password', async () => {
    const dir = await tempDir('am-typo-');
    const path = join(dir, 'config.json');
    const { text, line, column } = typoText();
    await writeFile(path, text, { mode: 0o600 });
    const where = `line ${line}, column ${column} (after key mailServer.password)`;

    const validate = await runCli(['validate', '--config', path]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(where);
    expect(validate.stderr).toContain('[AM_CONFIG_INVALID]');
    expectNoPiece('validate', validate.stdout + validate.stderr);

    const daemon = new DaemonProcess(path);
    daemons.push(daemon);
    expect((await daemon.exited).code).toBe(1);
    const output = daemon.rawLines.join('\n') + daemon.stderr;
    expect(output).toContain(where);
    expectNoPiece('daemon at start', output);
  });

  it('on a live reload: the log line and status give line, column and key, never the password', async () => {
    const dir = await tempDir('am-typo-live-');
    const path = join(dir, 'config.json');
    await writeJson(path, config());
    const daemon = new DaemonProcess(path);
    daemons.push(daemon);
    await daemon.ready();
    const { text, line, column } = typoText();
    const from = daemon.logs.length;
    await writeFile(path, text);
    const logged = await daemon.waitForLog((l) => l['level'] === 'error' && l['code'] === 'AM_CONFIG_INVALID', 10_000, from);
    const where = `line ${line}, column ${column} (after key mailServer.password)`;
    expect(String(logged['msg'])).toContain(where);

    // The CLI finds the socket through the config; the typo hides it, so point it there.
    const cliConfig = join(dir, 'cli.json');
    await writeJson(cliConfig, { control: { socket: './control.sock' } });
    const status = await runCli(['status', '--config', cliConfig]);
    expect(status.stdout).toMatch(new RegExp(`Config error\\s+.*${where.replace(/[()]/g, '\\$&')}`));
    const json = await runCli(['status', '--json', '--config', cliConfig]);
    // The administrators' door; the submitters' one gives no words of a refused edit at all.
    const control = connectControl(join(dir, 'admin.sock'));
    const reply = await control.status();
    control.close();
    expect(reply.config?.error).toContain(where);

    expectNoPiece('daemon log', daemon.rawLines.join('\n') + daemon.stderr);
    expectNoPiece('status', status.stdout + status.stderr);
    expectNoPiece('status --json', json.stdout + json.stderr);
    expectNoPiece('Status reply', JSON.stringify(reply));
  });
});
