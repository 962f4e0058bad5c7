/**
 * The config in force, kept in step with the operator's file and every file it names (the
 * password, the CA, the OAuth2 client secret, certificates and keys). Each is watched through its
 * folder, so in-place writes, editors that rename a temporary file over it and delete-then-create
 * are all seen; SIGHUP (systemctl reload) reads them all again. A valid edit swaps the whole
 * config; an invalid one is refused whole and the last good config stays.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { AppError, toAppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { parseConfig, type Config, type ReferencedFile } from './load.js';

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
  // The federation port keeps the certificate it started with, and secondaries pinned its hash
  // at join: a new one is a restart and a re-join, never a silent swap.
  ['the content of federation.certFile', (c) => fileDigest(c, 'federation.certFile')],
  ['the content of federation.keyFile', (c) => fileDigest(c, 'federation.keyFile')],
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

/** A file the config names, and when the daemon last read it (status shows it). */
export interface FileReadStatus {
  field: string;
  path: string;
  readAt: Date;
}

/** Called after a new config is in force, with the one it replaced. */
export type ConfigListener = (next: Config, previous: Config) => void;

export interface LiveConfig {
  current(): Config;
  /** The error of the last refused edit, cleared by the next good one. */
  lastError(): ConfigError | null;
  appliedAt(): Date;
  /** The files the config in force names, with when each was last read. */
  files(): FileReadStatus[];
  onChange(listener: ConfigListener): void;
  /** Called when an edit of the file is refused (the last good config stays). */
  onRefused(listener: (error: ConfigError) => void): void;
  /**
   * Reads the config file and every file it names now (SIGHUP): applied, unchanged, or refused
   * with its reason at once (no settle wait: the operator says the save is done).
   */
  reload(): Promise<void>;
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
  /** What the last read saw: the version read, or the bytes and the reason of a refusal. */
  let lastSeen = initial.version;
  let reading: Promise<void> = Promise.resolve();
  const listeners: ConfigListener[] = [];
  const refusedListeners: Array<(error: ConfigError) => void> = [];
  const file = initial.file;
  /** The config file and the files named by the config in force (or by a refused edit: a missing file is watched for). */
  let watched = new Set<string>([file, ...initial.files.map((f) => f.path)]);
  const readAt = new Map<string, Date>(initial.files.map((f) => [f.path, appliedAt]));

  function schedule(delayMs: number): void {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      void enqueueReload(delayMs === SETTLE_MS ? 'settled' : 'event');
    }, delayMs);
    debounce.unref();
  }

  /**
   * 'event': a file changed, an invalid read is checked again before it is reported; 'settled':
   * that second read; 'now': SIGHUP, the operator says the save is done, so it is reported at once.
   */
  function enqueueReload(mode: 'event' | 'settled' | 'now'): Promise<void> {
    // reload() catches its own errors; the chain must never reject or later reloads would not run.
    reading = reading.then(() => reload(mode)).catch((err: unknown) => log.error({ err }, 'config reload failed'));
    return reading;
  }

  function onFileEvent(): void {
    schedule(DEBOUNCE_MS);
    if (guard) clearTimeout(guard);
    guard = setTimeout(() => void enqueueReload('event'), THROTTLE_GUARD_MS);
    guard.unref();
  }

  async function reload(mode: 'event' | 'settled' | 'now'): Promise<void> {
    let text: string | null;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      text = null;
    }
    let next: Config;
    try {
      if (text === null) {
        throw new AppError('AM_CONFIG_UNREADABLE', `config file ${file} is missing or unreadable; the last good config stays in force`);
      }
      next = parseConfig(text, file);
      noteRead(next.files.map((f) => f.path));
      if (next.version !== config.version) checkRestartOnly(next, config);
    } catch (err) {
      refuse(toAppError(err, 'AM_CONFIG_INVALID'), text, mode);
      return;
    }
    lastSeen = next.version;
    follow(next.files);
    if (next.version === config.version) {
      clearError();
      return;
    }
    const previous = config;
    config = next;
    appliedAt = new Date();
    error = null;
    const changed = changedFiles(previous.files, next.files);
    log.info({ file, version: next.version, previous: previous.version, ...(changed.length > 0 ? { files: changed } : {}) }, 'config applied');
    for (const listener of listeners) listener(next, previous);
  }

  function refuse(appError: AppError, text: string | null, mode: 'event' | 'settled' | 'now'): void {
    const tried = appError.details['files'];
    if (Array.isArray(tried)) noteRead(tried as string[]);
    const seen = digest(`${text ?? 'missing'}\0${appError.message}`);
    // First sighting of these bytes: wait for the save to finish before calling it an error.
    if (mode !== 'now' && (mode === 'event' || seen !== lastSeen)) {
      lastSeen = seen;
      schedule(SETTLE_MS);
      log.debug({ file }, 'config reads as invalid; reading it again before reporting (a save may be under way)');
      return;
    }
    if (Array.isArray(tried)) follow([...config.files, ...(tried as string[]).map((path) => ({ field: '', path, sha256: '' }))]);
    error = { code: appError.code, message: appError.message, at: new Date() };
    log.error({ file, code: appError.code, issues: appError.details['issues'] }, appError.message);
    for (const listener of refusedListeners) listener(error);
  }

  function noteRead(paths: readonly string[]): void {
    const now = new Date();
    for (const path of paths) readAt.set(path, now);
  }

  /** Watches the folders of the config file and of `files`; the watcher follows the files named. */
  function follow(files: readonly ReferencedFile[]): void {
    const next = new Set<string>([file, ...files.map((f) => f.path)]);
    const folders = (paths: Set<string>) => new Set([...paths].map((path) => dirname(path)));
    const added = [...folders(next)].filter((folder) => !folders(watched).has(folder));
    watched = next;
    if (watcher && added.length > 0) watcher.add(added);
  }

  function clearError(): void {
    if (error) log.info({ file }, 'config file is back to the config in force; error cleared');
    error = null;
  }

  return {
    current: () => config,
    lastError: () => error,
    appliedAt: () => appliedAt,
    files: () => config.files.map((f) => ({ field: f.field, path: f.path, readAt: readAt.get(f.path) ?? appliedAt })),
    onChange(listener) {
      listeners.push(listener);
    },
    onRefused(listener) {
      refusedListeners.push(listener);
    },
    async reload() {
      log.info({ file }, 'reading the config file and the files it names again (SIGHUP)');
      await enqueueReload('now');
    },
    async start() {
      // Watch folders, not files: a watch on a file itself is lost when an editor replaces it
      // with rename() or the file is deleted and created again.
      const folders = watch([...new Set([...watched].map((path) => dirname(path)))], {
        ignoreInitial: true,
        depth: 0,
        atomic: false,
        ignored: (path: string) => !watched.has(path) && ![...watched].some((named) => dirname(named) === path),
      });
      watcher = folders;
      folders.on('all', (_event, path) => {
        if (watched.has(path)) onFileEvent();
      });
      await new Promise<void>((resolve, reject) => {
        folders.once('ready', resolve);
        folders.once('error', reject);
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

function checkRestartOnly(next: Config, current: Config): void {
  const changed = RESTART_ONLY.filter(([, get]) => get(next) !== get(current)).map(([path]) => path);
  if (changed.length === 0) return;
  throw new AppError(
    'AM_CONFIG_INVALID',
    `invalid config ${next.file}: ${changed.map((path) => `${path}: changing it needs a restart (systemctl restart appliance-mail)`).join('; ')}`,
    { details: { file: next.file, issues: changed.map((path) => ({ path, message: 'needs a restart' })) } },
  );
}

function fileDigest(config: Config, field: string): string | null {
  return config.files.find((f) => f.field === field)?.sha256 ?? null;
}

/** The fields whose file was added, removed or rewritten (for the log: which file the reload was about). */
function changedFiles(previous: readonly ReferencedFile[], next: readonly ReferencedFile[]): string[] {
  const before = new Map(previous.map((f) => [f.field, f.sha256]));
  const after = new Map(next.map((f) => [f.field, f.sha256]));
  return [...new Set([...before.keys(), ...after.keys()])].filter((field) => before.get(field) !== after.get(field));
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
