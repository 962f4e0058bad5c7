/**
 * Takes the messages sendmail left in the drop folder (as Postfix's pickup): at start, on every
 * change the folder's watch reports, and on a periodic scan (a watch can miss events: an NFS
 * folder, a full inotify table). Each file is queued through the same intake as the submission
 * port, under an idempotency key made of its name, and removed only once the outbox holds it on
 * disk: a crash in between queues it no second time. A file that can never be queued (not a drop
 * file, a message the intake refuses for good) is moved to `bad/`, never deleted, and status
 * warns; a temporary refusal (mail disabled, outbox full) leaves it for the next scan.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LiveConfig } from '../config/live-config.js';
import { toAppError, type ErrorCode } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { decodeDropFile, DROP_FILE_SUFFIX } from './drop-folder.js';
import type { Caller } from '../relay/outbox.js';
import type { RawIntake } from './raw-intake.js';

/** A watch may miss events; this scan finds what it missed (and retries temporary refusals). */
const DROP_SCAN_MS = 30_000;
/** Refusals that the same file will meet again: it goes to bad/. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['AM_DROP_FILE_BAD', 'AM_MESSAGE_INVALID', 'AM_MESSAGE_TOO_LARGE', 'AM_RECIPIENT_INVALID']);
/** Where files that can never be queued are kept for the operator. */
const BAD_SUBFOLDER = 'bad';

export interface DropPickup {
  start(): Promise<void>;
  /** For status: the files waiting in bad/ (however old), and the latest reason seen. */
  warnings(): Promise<string[]>;
  close(): Promise<void>;
}

export function createDropPickup(deps: { config: LiveConfig; rawIntake: RawIntake; log: Logger }): DropPickup {
  const { rawIntake, log } = deps;
  const folder = deps.config.current().submission.dropFolder;
  const badFolder = join(folder, BAD_SUBFOLDER);
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let lastBad: string | null = null;
  let missing: string | null = null;

  /**
   * The folder is the installer's to create (owner and group matter, see drop-folder.ts): while it
   * is missing, status says so and sendmail exits 75 when the daemon is away. Once it is there,
   * its bad/ is made and it is watched.
   */
  async function ready(): Promise<boolean> {
    if (watcher !== null) return true;
    try {
      await stat(folder);
    } catch (err) {
      if (missing === null) log.warn({ err, folder, code: 'AM_DROP_FOLDER_UNAVAILABLE' }, 'the drop folder is missing; sendmail cannot leave mail there while the daemon is away');
      missing = `the drop folder ${folder} (submission.dropFolder) cannot be used: ${(err as Error).message}; while the daemon is away, sendmail cannot leave mail there and exits 75. Create it as the install steps say (mode 1730, owner and group appliance-mail) [AM_DROP_FOLDER_UNAVAILABLE]`;
      return false;
    }
    await mkdir(badFolder, { mode: PRIVATE_DIR_MODE }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    watcher = watch(folder, () => void scan());
    watcher.on('error', (err) => log.warn({ err, folder }, 'the drop folder watch failed; the periodic scan still finds new files'));
    missing = null;
    return true;
  }

  /** One scan at a time; a change seen during a scan runs one more after it. */
  function scan(): Promise<void> {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = scanOnce()
      .catch((err: unknown) => log.error({ err, code: 'AM_DROP_FOLDER_UNAVAILABLE', folder }, 'cannot read the drop folder; mail left there waits'))
      .finally(() => {
        running = null;
        if (again && !closed) {
          again = false;
          void scan();
        }
      });
    return running;
  }

  async function scanOnce(): Promise<void> {
    if (!(await ready())) return;
    const names = (await readdir(folder)).filter((n) => n.endsWith(DROP_FILE_SUFFIX) && !n.startsWith('.')).sort();
    for (const name of names) {
      if (closed) return;
      await take(name);
    }
  }

  async function take(name: string): Promise<void> {
    const path = join(folder, name);
    let data: Buffer;
    let caller: Caller;
    try {
      // The pickup door (sendmail's share of the outbox); its client is the file owner, who wrote it.
      caller = { door: 'pickup', client: String((await stat(path)).uid) };
      data = await readFile(path);
    } catch (err) {
      // Taken by a scan before (ENOENT), or unreadable: the log says which.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.error({ err, file: path }, 'cannot read a drop file; it is left where it is');
      return;
    }
    try {
      const { envelope, message } = decodeDropFile(data);
      const ids = await rawIntake.submit({ raw: message, ...envelope, idempotencyKey: `drop:${name}` }, caller);
      await unlink(path);
      log.info({ file: name, ids, bytes: message.byteLength }, 'message taken from the drop folder');
    } catch (err) {
      const appError = toAppError(err);
      if (!PERMANENT.has(appError.code)) {
        log.warn({ file: name, code: appError.code, err: appError.message }, 'a drop file cannot be queued now; it is tried again later');
        return;
      }
      await rename(path, join(badFolder, name));
      lastBad = `${name}: ${appError.message}`;
      log.warn({ file: join(badFolder, name), code: 'AM_DROP_FILE_BAD', reason: appError.message, reasonCode: appError.code }, 'a drop file cannot be queued; moved to bad/');
    }
  }

  return {
    async start() {
      await scan();
      timer = setInterval(() => void scan(), DROP_SCAN_MS);
      timer.unref();
    },
    async warnings() {
      if (missing !== null) return [missing];
      const kept = (await readdir(badFolder).catch(() => [])).filter((n) => n.endsWith(DROP_FILE_SUFFIX));
      if (kept.length === 0) return [];
      const latest = lastBad === null ? '' : ` (latest: ${lastBad})`;
      return [`${kept.length} file(s) of the drop folder could not be queued and wait in ${badFolder}${latest} [AM_DROP_FILE_BAD]`];
    },
    async close() {
      closed = true;
      watcher?.close();
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
