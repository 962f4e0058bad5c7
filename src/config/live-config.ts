/**
 * The config in force, kept in step with the operator's file. The file is watched through its
 * folder, so in-place writes, editors that rename a temporary file over it and delete-then-create
 * are all seen. A valid edit swaps the whole config; an invalid one is refused whole and the last
 * good config stays.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { AppError, toAppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { parseConfig, type Config } from './load.js';

/**
 * Events of one save arrive within a millisecond or two; a short quiet time saves reading the
 * file once per event. A read that comes too early is harmless: the settle logic below and the
 * throttle guard read again.
 */
const DEBOUNCE_MS = 3;
/**
 * An editor writing in place can be caught between truncate and write. A file that reads as
 * invalid is read again after this long, and the error is reported only if the bytes are the
 * same (a finished save): a half-written file costs a short delay, not a false alarm.
 */
const SETTLE_MS = 150;

/**
 * chokidar drops a 'change' that follows another within 50 ms of it (a leading-edge throttle with
 * no trailing event), so a second save in quick succession would be missed. The file is read
 * once more this long after the last event; an unchanged file costs one read and a hash.
 */
const THROTTLE_GUARD_MS = 75;

/** Fields that select files, sockets or identity at start; changing them needs a restart. */
const RESTART_ONLY: ReadonlyArray<[string, (c: Config) => unknown]> = [
  ['node.role', (c) => c.node.role],
  ['node.stateDir', (c) => c.node.stateDir],
  ['control.socket', (c) => c.control.socket],
  ['control.socketMode', (c) => c.control.socketMode],
  ['control.adminSocket', (c) => c.control.adminSocket],
  ['control.adminSocketMode', (c) => c.control.adminSocketMode],
  ['federation.listen', (c) => c.federation.listen],
  ['federation.certFile', (c) => c.federation.certFile],
  ['federation.keyFile', (c) => c.federation.keyFile],
  ['console.listen', (c) => c.console.listen],
  ['console.certFile', (c) => c.console.certFile],
  ['console.keyFile', (c) => c.console.keyFile],
  ['submission.listen', (c) => c.submission.listen],
  ['submission.allowNonLoopback', (c) => c.submission.allowNonLoopback],
  ['metrics.listen', (c) => c.metrics.listen],
  ['metrics.allowNonLoopback', (c) => c.metrics.allowNonLoopback],
];

export interface ConfigError {
  code: string;
  message: string;
  at: Date;
}

/** Called after a new config is in force, with the one it replaced. */
export type ConfigListener = (next: Config, previous: Config) => void;

export interface LiveConfig {
  current(): Config;
  /** The error of the last refused edit, cleared by the next good one. */
  lastError(): ConfigError | null;
  appliedAt(): Date;
  onChange(listener: ConfigListener): void;
  /** Called when an edit of the file is refused (the last good config stays). */
  onRefused(listener: (error: ConfigError) => void): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createLiveConfig(initial: Config, log: Logger): LiveConfig {
  let config = initial;
  let appliedAt = new Date();
  let error: ConfigError | null = null;
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let guard: NodeJS.Timeout | null = null;
  let lastSeenDigest = digest(null);
  /** Digest of the file's bytes behind the config in force. */
  let currentDigest = digest(null);
  let reading: Promise<void> = Promise.resolve();
  const listeners: ConfigListener[] = [];
  const refusedListeners: Array<(error: ConfigError) => void> = [];
  const file = initial.file;

  function schedule(delayMs: number): void {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      enqueueReload(delayMs === SETTLE_MS);
    }, delayMs);
    debounce.unref();
  }

  function enqueueReload(settled: boolean): void {
    // reload() catches its own errors; the chain must never reject or later reloads would not run.
    reading = reading.then(() => reload(settled)).catch((err: unknown) => log.error({ err }, 'config reload failed'));
  }

  function onFileEvent(): void {
    schedule(DEBOUNCE_MS);
    if (guard) clearTimeout(guard);
    guard = setTimeout(() => enqueueReload(false), THROTTLE_GUARD_MS);
    guard.unref();
  }

  async function reload(settled: boolean): Promise<void> {
    let text: string | null;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      text = null;
    }
    const seen = digest(text);
    if (text !== null && seen === currentDigest) {
      lastSeenDigest = seen;
      clearError();
      return;
    }
    try {
      if (text === null) {
        throw new AppError('AM_CONFIG_UNREADABLE', `config file ${file} is missing or unreadable; the last good config stays in force`);
      }
      const next = parseConfig(text, file);
      checkRestartOnly(next, config);
      const previous = config;
      config = next;
      currentDigest = seen;
      appliedAt = new Date();
      error = null;
      lastSeenDigest = seen;
      log.info({ file, version: next.version, previous: previous.version }, 'config applied');
      for (const listener of listeners) listener(next, previous);
    } catch (err) {
      const appError = toAppError(err, 'AM_CONFIG_INVALID');
      // First sighting of these bytes: wait for the save to finish before calling it an error.
      if (!settled || seen !== lastSeenDigest) {
        lastSeenDigest = seen;
        schedule(SETTLE_MS);
        log.debug({ file }, 'config file reads as invalid; reading it again before reporting (a save may be under way)');
        return;
      }
      error = { code: appError.code, message: appError.message, at: new Date() };
      log.error({ file, code: appError.code, issues: appError.details['issues'] }, appError.message);
      for (const listener of refusedListeners) listener(error);
    }
  }

  function clearError(): void {
    if (error) log.info({ file }, 'config file is back to the config in force; error cleared');
    error = null;
  }

  return {
    current: () => config,
    lastError: () => error,
    appliedAt: () => appliedAt,
    onChange(listener) {
      listeners.push(listener);
    },
    onRefused(listener) {
      refusedListeners.push(listener);
    },
    async start() {
      currentDigest = digest(await readFile(file, 'utf8').catch(() => null));
      lastSeenDigest = currentDigest;
      const name = basename(file);
      // Watch the folder, not the file: a watch on the file itself is lost when an editor
      // replaces it with rename() or the file is deleted and created again.
      watcher = watch(dirname(file), {
        ignoreInitial: true,
        depth: 0,
        atomic: false,
        ignored: (path) => path !== dirname(file) && basename(path) !== name,
      });
      watcher.on('all', (_event, path) => {
        if (basename(path) === name) onFileEvent();
      });
      await new Promise<void>((resolve, reject) => {
        watcher?.once('ready', resolve);
        watcher?.once('error', reject);
      });
    },
    async close() {
      if (debounce) clearTimeout(debounce);
      if (guard) clearTimeout(guard);
      await watcher?.close();
      watcher = null;
      await reading;
    },
  };
}

/** Throws AM_CONFIG_INVALID naming the fields of `next` that only a restart can change. */
export function checkRestartOnly(next: Config, current: Config): void {
  const changed = RESTART_ONLY.filter(([, get]) => get(next) !== get(current)).map(([path]) => path);
  if (changed.length === 0) return;
  throw new AppError(
    'AM_CONFIG_INVALID',
    `invalid config ${next.file}: ${changed.map((path) => `${path}: changing it needs a restart (systemctl restart appliance-mail)`).join('; ')}`,
    { details: { file: next.file, issues: changed.map((path) => ({ path, message: 'needs a restart' })) } },
  );
}

function digest(text: string | null): string {
  return text === null ? 'missing' : createHash('sha256').update(text).digest('hex');
}
