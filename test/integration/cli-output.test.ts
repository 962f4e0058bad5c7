/**
 * The CLI's output read as scripts read it: through a pipe, by another process, whole (issue 26).
 * Before the fix `outbox --json | …` stopped at 65,536 bytes with exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { CLI, DaemonProcess, baseConfig, tempDir, writeJson } from '../helpers/daemon.js';
import { REFUSED_PORT } from '../helpers/smtp.js';

const MESSAGES = 1700;
const MIB = 1024 * 1024;

let dir: string;
let configPath: string;
let daemon: DaemonProcess;
let admin: Control;

/** Runs `appliance-mail ARGS | READER` in bash; returns the reader's stdout and both exit codes. */
function piped(args: string[], reader: string): { out: string; cliCode: number; readerCode: number; cliStderr: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('bash', ['-c', `${quoted} 2>"$ERRFILE" | ${reader}; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&2`], {
    env: { ...process.env, ERRFILE: join(dir, 'cli.err') },
    encoding: 'utf8',
    maxBuffer: 64 * MIB,
  });
  const [cliCode, readerCode] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  const cliStderr = spawnSync('cat', [join(dir, 'cli.err')], { encoding: 'utf8' }).stdout;
  return { out: run.stdout, cliCode: cliCode!, readerCode: readerCode!, cliStderr };
}

// Another process parses what arrives: Python's json, printing the number of entries it saw.
const PARSE = `python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("entries", d.get("tokens", d.get("nodes", [])))) if isinstance(d, dict) else -1)'`;
// The same, reading 4 KiB at a time with a pause between reads: the writer fills the pipe and waits.
const SLOW_PARSE = `python3 -c '
import json, sys, time
chunks = []
while True:
    b = sys.stdin.buffer.read1(4096)
    if not b: break
    chunks.append(b); time.sleep(0.0005)
d = json.loads(b"".join(chunks)); print(len(d["entries"]))'`;

beforeAll(async () => {
  dir = await tempDir('am-cli-output-');
  configPath = join(dir, 'config.json');
  // The mail server refuses connections: everything submitted stays in the outbox.
  await writeJson(configPath, baseConfig('cli-output', {
      mailServer: { enabled: true, server: `127.0.0.1:${REFUSED_PORT}`, sender: 'alerts@example.com', tls: false },
      federation: { listen: '127.0.0.1:0' },
    }));
  daemon = new DaemonProcess(configPath);
  await daemon.ready();
  admin = connectControl(join(dir, 'admin.sock'));
  const to = Array.from({ length: 8 }, (_, i) => `recipient-${i}@example.com`);
  const subject = `disk usage above threshold on volume ${'x'.repeat(120)}`;
  for (let start = 0; start < MESSAGES; start += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, MESSAGES - start) }, (_, i) => admin.submit({ to, subject: `${subject} ${start + i}`, text: 'body', kind: 'alert' })),
    );
  }
  await Promise.all(Array.from({ length: 400 }, () => admin.createToken({})));
}, 120_000);

afterAll(() => admin?.close());

describe('CLI output through a pipe', () => {
  it('outbox --json over 1 MiB arrives whole in a JSON parser', () => {
    const whole = spawnSync(process.execPath, [CLI, 'outbox', '--json', '--config', configPath], { encoding: 'utf8', maxBuffer: 64 * MIB });
    expect(Buffer.byteLength(whole.stdout)).toBeGreaterThan(MIB);
    const { out, cliCode, readerCode } = piped(['outbox', '--json', '--config', configPath], PARSE);
    expect([cliCode, readerCode]).toEqual([0, 0]);
    expect(Number(out.trim())).toBe(MESSAGES);
  });

  it('arrives whole through a slow reader', () => {
    const { out, cliCode, readerCode } = piped(['outbox', '--json', '--config', configPath], SLOW_PARSE);
    expect([cliCode, readerCode]).toEqual([0, 0]);
    expect(Number(out.trim())).toBe(MESSAGES);
  });

  it('token list --json (over 64 KiB), nodes --json and status --json parse in another process', () => {
    const whole = spawnSync(process.execPath, [CLI, 'token', 'list', '--json', '--config', configPath], { encoding: 'utf8', maxBuffer: 64 * MIB });
    expect(Buffer.byteLength(whole.stdout)).toBeGreaterThan(64 * 1024);
    const tokens = piped(['token', 'list', '--json', '--config', configPath], PARSE);
    expect(tokens.cliCode).toBe(0);
    expect(Number(tokens.out.trim())).toBe(400);
    for (const args of [['nodes', '--json'], ['status', '--json']]) {
      const { out, cliCode, readerCode } = piped([...args, '--config', configPath], PARSE);
      expect([cliCode, readerCode], args.join(' ')).toEqual([0, 0]);
      expect(Number(out.trim())).toBeGreaterThanOrEqual(-1);
    }
  });

  it('a reader that closes early ends the command quietly with 141', () => {
    const { cliCode, readerCode, cliStderr } = piped(['outbox', '--json', '--config', configPath], 'head -c 1000 >/dev/null');
    expect(readerCode).toBe(0);
    expect(cliCode).toBe(141);
    expect(cliStderr).toBe('');
  });

  it('stdout holds only the JSON document; errors go to stderr with their code', async () => {
    const child = spawn(process.execPath, [CLI, 'outbox', '--json', '--config', join(dir, 'missing.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(/\[AM_[A-Z_]+\]/);
  });
});
