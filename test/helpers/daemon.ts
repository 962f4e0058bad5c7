/**
 * Runs the real daemon and CLI (the built dist/) as child processes, and reads their JSON logs.
 * Every process started here is killed when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js');

const started = new Set<ChildProcess>();
const dirs: string[] = [];
const daemons: DaemonProcess[] = [];

/**
 * Every test password contains "Pa55"; every join token matches this. No log line or stderr of
 * any daemon a test starts may contain either: checked for all of them when each file ends.
 */
export const SECRET_PATTERNS = [/Pa55/, /amj1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{32}/];

afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  const leaks = daemons.flatMap((d) =>
    [...d.rawLines, d.stderr].filter((line) => SECRET_PATTERNS.some((p) => p.test(line))).map((line) => `pid ${d.pid}: ${line.slice(0, 300)}`),
  );
  const lines = daemons.reduce((n, d) => n + d.rawLines.length, 0);
  if (leaks.length > 0) throw new Error(`secrets found in daemon logs:\n${leaks.join('\n')}`);
  if (daemons.length > 0) console.log(`secret scan: ${lines} log lines of ${daemons.length} daemon runs, no password or token`);
});

export async function tempDir(prefix = 'am-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export type Json = Record<string, unknown>;

/** A config for a test node in `dir`: its state and socket inside `dir`. */
export function baseConfig(name: string, overrides: Json = {}): Json {
  return {
    node: { name, role: 'primary', stateDir: './state' },
    mailServer: { enabled: true, server: '127.0.0.1:2525', sender: 'alerts@example.com', username: 'mailer', password: 'S3cret-Pa55word!', tls: true },
    notifications: { recipients: 'ops@example.com' },
    control: { socket: './control.sock' },
    ...overrides,
  };
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
  await chmod(path, 0o600);
}

export class DaemonProcess {
  readonly logs: Json[] = [];
  readonly rawLines: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `prefix` runs the daemon under another command, e.g. `ip netns exec NS`. */
  constructor(configPath: string, options: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}) {
    const env = options.env ?? {};
    const [command, ...args] = [...(options.prefix ?? []), process.execPath, CLI, 'daemon', '--config', configPath];
    this.child = spawn(command!, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.add(this.child);
    daemons.push(this);
    let buffer = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.rawLines.push(line);
        try {
          this.logs.push(JSON.parse(line) as Json);
        } catch {
          this.logs.push({ msg: line, unparsed: true });
        }
        for (const wake of this.waiters) wake();
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.waiters) wake();
    });
    this.exited = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        started.delete(this.child);
        for (const wake of this.waiters) wake();
        resolveExit({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (old or new) that matches, or rejects after `timeoutMs`. */
  waitForLog(match: (line: Json) => boolean, timeoutMs = 10_000, from = 0): Promise<Json> {
    return new Promise((resolveLog, reject) => {
      const check = () => {
        const found = this.logs.slice(from).find(match);
        if (found) {
          cleanup();
          resolveLog(found);
        } else if (!this.running) {
          cleanup();
          reject(new Error(`daemon exited before the expected log line; stderr: ${this.stderr}\nlogs: ${this.rawLines.slice(-20).join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for a log line; last logs:\n${this.rawLines.slice(-20).join('\n')}\nstderr: ${this.stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  ready(timeoutMs = 15_000): Promise<Json> {
    return this.waitForLog((line) => line['msg'] === 'appliance-mail ready', timeoutMs);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return runCommand([process.execPath, CLI, ...args], options);
}

/** Runs any command (`argv[0]` and its arguments) to its exit, with its output. */
export function runCommand(argv: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const [command, ...args] = argv;
  return new Promise((resolveRun, reject) => {
    const child = spawn(command!, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    // A program that exits without reading its input (cat refused a file) is no error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export interface MergedRun {
  code: number | null;
  output: string;
}

/** Runs a program to its end with `input` on stdin; its stdout and stderr together, as a person reads them. */
export function runMerged(command: string, args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<MergedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(25);
  }
}
