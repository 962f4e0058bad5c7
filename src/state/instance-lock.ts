/**
 * One daemon per state folder. Two daemons on one stateDir would both deliver the same outbox
 * (mail sent twice) and both speak for the same node to the primary, so the daemon takes this
 * lock before it reads or touches anything else, and a second one leaves having done nothing.
 *
 * Why a listening socket in Linux's abstract namespace, named after the folder's device and inode:
 * - Node has no flock(); a bind() is the exclusive primitive it does have. The kernel lets one
 *   socket hold a name and frees it when the holder dies, kill -9 included, so a daemon restarted
 *   at once after a crash never meets a stale lock and there is no takeover to get wrong.
 * - A pid file alone (O_EXCL, then "is that pid alive?") needs a stale-lock takeover that two
 *   starters can both win, and pids are reused; making it race-free takes a second lock.
 * - The device and inode name the folder itself: a symlink or a bind mount of it is the same lock.
 * - Abstract names have no permissions: a local user who could guess the name could hold it first
 *   and keep the daemon from starting. So the name also carries a random key kept in the state
 *   folder (0600, made at first start), which only the daemon's user can read.
 * Limit (README, Known limits): the namespace is per network namespace, so a second daemon in
 * another one (a container, a unit with PrivateNetwork=) sharing the folder is not excluded.
 *
 * The pid file next to the state is only for the message: it lets the second daemon name the
 * holder. It is written after the lock is held and removed on release.
 */
import type { Stats } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import { fsyncDir, PRIVATE_DIR_MODE, writeFileDurably } from '../util/durable-file.js';

const PID_FILE_NAME = 'daemon.pid';
const KEY_FILE_NAME = 'lock.key';

export interface InstanceLock {
  readonly stateDir: string;
  /** Frees the lock and removes the pid file; safe to call twice. */
  release(): Promise<void>;
}

/** Takes the lock on `stateDir` (creating the folder, mode 0700, on first start) or throws AM_ALREADY_RUNNING. */
export async function acquireInstanceLock(stateDir: string): Promise<InstanceLock> {
  let folder: Stats;
  let key: string;
  try {
    await mkdir(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    folder = await stat(stateDir);
    key = await lockKey(stateDir);
  } catch (err) {
    throw new AppError('AM_STATE_IO', `cannot create or open the state folder ${stateDir}: ${(err as Error).message}`, { cause: err });
  }
  const pidFile = join(stateDir, PID_FILE_NAME);
  // Anyone may connect to an abstract socket; nothing is served on it.
  const server = createServer((socket) => socket.destroy());
  try {
    const name = createHash('sha256').update(`${key}:${folder.dev}:${folder.ino}`).digest('hex').slice(0, 40);
    await listen(server, `\0appliance-mail/instance/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw new AppError('AM_INTERNAL', `cannot take the lock on the state folder ${stateDir}: ${(err as Error).message}`, { cause: err });
    }
    const pid = await livePid(pidFile);
    throw new AppError(
      'AM_ALREADY_RUNNING',
      `another appliance-mail daemon (${pid === null ? 'pid not recorded' : `pid ${pid}`}) is running on the state folder ${stateDir}; ` +
        'this one did nothing and stops. Stop the other first (systemctl stop appliance-mail), or give this one another node.stateDir',
      { details: { stateDir, pid } },
    );
  }
  // The lock must not keep the process alive on its own.
  server.unref();
  // Best effort: the pid file only names the holder in a message, and a disk too full for it must
  // not keep the daemon and its queued mail from starting. A previous holder's file goes then.
  await writeFileDurably(pidFile, `${process.pid}\n`).catch(() => unlink(pidFile).catch(() => undefined));
  let released: Promise<void> | null = null;
  return {
    stateDir,
    release() {
      released ??= (async () => {
        // The pid file goes first, while the lock is still held: once it is freed, the file may be the next holder's.
        await unlink(pidFile).catch(() => undefined);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return released;
    },
  };
}

/**
 * The folder's lock key, made once. Two first starts at once: each writes its own candidate and
 * link() lets exactly one become the key (it fails on an existing name, where rename would not).
 */
async function lockKey(stateDir: string): Promise<string> {
  const path = join(stateDir, KEY_FILE_NAME);
  const read = async () => (await readFile(path, 'utf8')).trim();
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const candidate = join(stateDir, `.${KEY_FILE_NAME}.${process.pid}.tmp`);
  await writeFileDurably(candidate, `${randomBytes(32).toString('hex')}\n`);
  try {
    await link(candidate, path);
    await fsyncDir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(candidate).catch(() => undefined);
  }
  return read();
}

function listen(server: Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The pid in the pid file, if it names a live process. Between a crashed holder and the next
 * one's write, the file may still name the dead one: that pid is not shown.
 */
async function livePid(pidFile: string): Promise<number | null> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, but another user's (systemd's ProtectProc does not hide it from kill()).
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
