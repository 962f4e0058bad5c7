/**
 * The config in force, kept in step with the operator's file and every file it names (the
 * password, the CA, the OAuth2 client secret, certificates and keys). Each is watched through its
 * folder, so in-place writes, editors that rename a temporary file over it and delete-then-create
 * are all seen; SIGHUP (systemctl reload) reads them all again. A valid edit swaps the whole
 * config; an invalid one is refused whole and the last good config stays.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError, toAppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { watchConfigFiles, type ReadCause } from './config-watch.js';
import { createConfigInForce, type ConfigInForce } from './config-in-force.js';
import { settingsCatalog } from './catalog.js';
import { parseConfig, type Config } from './load.js';

/**
 * What only a restart can change: every setting the schema marks `restart` (files, sockets and
 * identity chosen at start), except log.level, which is taken at the next start rather than
 * refused. A live change of any other would be accepted and then silently not used.
 */
const RESTART_ONLY: ReadonlyArray<[string, (c: Config) => unknown]> = [
  ...settingsCatalog()
    .filter((entry) => entry.apply === 'restart' && entry.path !== 'log.level')
    .map((entry): [string, (c: Config) => unknown] => [entry.path, (c) => resolvedAt(c, entry.path)]),
  // The federation port keeps the certificate it started with, and secondaries pinned its hash
  // at join: a new one is a restart and a re-join, never a silent swap.
  ['the content of federation.certFile', (c) => fileDigest(c, 'federation.certFile')],
  ['the content of federation.keyFile', (c) => fileDigest(c, 'federation.keyFile')],
];

export type { ConfigError, ConfigListener, FileReadStatus } from './config-in-force.js';

/** Why the files are read: see enqueueReload. */
type ReadMode = ReadCause | 'now';

/** The config in force, read again when its files change (start/close) or on SIGHUP (reload). */
export interface LiveConfig extends Pick<ConfigInForce, 'current' | 'lastError' | 'appliedAt' | 'files' | 'onChange' | 'onRefused'> {
  /**
   * Reads the config file and every file it names now (SIGHUP): applied, unchanged, or refused
   * with its reason at once (no settle wait: the operator says the save is done).
   */
  reload(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createLiveConfig(initial: Config, log: Logger): LiveConfig {
  const inForce = createConfigInForce(initial, log);
  /** What the last read saw: the version read, or the bytes and the reason of a refusal. */
  let lastSeen = initial.version;
  let reading: Promise<void> = Promise.resolve();
  const file = initial.file;
  const watch = watchConfigFiles(file, initial.files.map((f) => f.path), (cause) => void enqueueReload(cause));

  /**
   * 'event': a file changed, an invalid read is checked again before it is reported; 'settled':
   * that second read; 'now': SIGHUP, the operator says the save is done, so it is reported at once.
   */
  function enqueueReload(mode: ReadMode): Promise<void> {
    // reload() catches its own errors; the chain must never reject or later reloads would not run.
    reading = reading.then(() => reload(mode)).catch((err: unknown) => log.error({ err }, 'config reload failed'));
    return reading;
  }

  async function reload(mode: ReadMode): Promise<void> {
    const text = await readFile(file, 'utf8').catch(() => null);
    const config = inForce.current();
    let next: Config;
    try {
      if (text === null) {
        throw new AppError('AM_CONFIG_UNREADABLE', `config file ${file} is missing or unreadable; the last good config stays in force`);
      }
      next = parseConfig(text, file);
      inForce.noteRead(next.files.map((f) => f.path));
      if (next.version !== config.version) checkRestartOnly(next, config);
    } catch (err) {
      refuse(toAppError(err, 'AM_CONFIG_INVALID'), text, mode);
      return;
    }
    lastSeen = next.version;
    watch.follow(next.files.map((f) => f.path));
    if (next.version === config.version) inForce.unchanged();
    else inForce.apply(next);
  }

  function refuse(appError: AppError, text: string | null, mode: ReadMode): void {
    const tried = appError.details['files'];
    if (Array.isArray(tried)) inForce.noteRead(tried as string[]);
    const seen = digest(`${text ?? 'missing'}\0${appError.message}`);
    // First sighting of these bytes: wait for the save to finish before calling it an error.
    if (mode !== 'now' && (mode === 'event' || seen !== lastSeen)) {
      lastSeen = seen;
      watch.settle();
      log.debug({ file }, 'config reads as invalid; reading it again before reporting (a save may be under way)');
      return;
    }
    if (Array.isArray(tried)) watch.follow([...inForce.current().files.map((f) => f.path), ...(tried as string[])]);
    inForce.refuse(appError);
  }

  return {
    current: inForce.current,
    lastError: inForce.lastError,
    appliedAt: inForce.appliedAt,
    files: inForce.files,
    onChange: inForce.onChange,
    onRefused: inForce.onRefused,
    async reload() {
      log.info({ file }, 'reading the config file and the files it names again (SIGHUP)');
      await enqueueReload('now');
    },
    start: () => watch.start(),
    async close() {
      await watch.close();
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

/** A file key's value in the resolved config, which keeps the file's shape for every restart-only key (live-config.test.ts checks each resolves). */
export function resolvedAt(config: Config, path: string): unknown {
  let at: unknown = config;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) throw new Error(`${path} is not in the resolved config`);
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function fileDigest(config: Config, field: string): string | null {
  return config.files.find((f) => f.field === field)?.sha256 ?? null;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
