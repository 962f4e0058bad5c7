/**
 * One daemon per state folder. Two daemons on one stateDir would both deliver the same outbox
 * (mail sent twice) and both speak for the same node to the primary, so the daemon takes this
 * lock before it reads or touches anything else, and a second one leaves having done nothing.
 *
 * Why flock(2) on a file in the state folder, taken through util-linux's flock(1):
 * - The kernel holds the lock for the open file description and frees it when the last file
 *   descriptor on it closes: the daemon keeps its descriptor open, and a kill -9 frees the lock
 *   at once, so there is no stale lock to take over and no pid-reuse question.
 * - The file lives in the 0700 state folder: no other user can open it, so no other user can
 *   hold the lock and keep the daemon from starting. (An abstract Unix socket, the first design,
 *   had no permissions and its name is listed in /proc/net/unix for everyone to take.)
 * - Node has no flock(); flock(1) is given the daemon's descriptor as its fd 3, locks the shared
 *   open file description and exits: the lock stays with the daemon's descriptor.
 *
 * The pid file next to it is only for the message: it lets the second daemon name the holder.
 * It is written after the lock is held and removed on release.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import { PRIVATE_DIR_MODE, SECRET_FILE_MODE, writeFileDurably } from '../util/durable-file.js';

const PID_FILE_NAME = 'daemon.pid';
const LOCK_FILE_NAME = 'daemon.lock';
/** flock(1)'s exit status when --nonblock finds the lock held (its default --conflict-exit-code). */
const FLOCK_HELD = 1;

export interface InstanceLock {
  readonly stateDir: string;
  /** Frees the lock and removes the pid file; safe to call twice. */
  release(): Promise<void>;
}

/** Takes the lock on `stateDir` (creating the folder, mode 0700, on first start) or throws AM_ALREADY_RUNNING. */
export async function acquireInstanceLock(stateDir: string): Promise<InstanceLock> {
  let handle: FileHandle;
  try {
    await mkdir(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    handle = await open(join(stateDir, LOCK_FILE_NAME), 'a', SECRET_FILE_MODE);
  } catch (err) {
    throw new AppError('AM_STATE_IO', `cannot create or open the state folder ${stateDir}: ${(err as Error).message}`, { cause: err });
  }
  const pidFile = join(stateDir, PID_FILE_NAME);
  const locked = spawnSync('flock', ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd], encoding: 'utf8' });
  if (locked.status !== 0) {
    await handle.close();
    if (locked.status === FLOCK_HELD) {
      const pid = await livePid(pidFile);
      throw new AppError(
        'AM_ALREADY_RUNNING',
        `another appliance-mail daemon (${pid === null ? 'pid not recorded' : `pid ${pid}`}) is running on the state folder ${stateDir}; ` +
          'this one did nothing and stops. Stop the other first (systemctl stop appliance-mail), or give this one another node.stateDir',
        { details: { stateDir, pid } },
      );
    }
    const why = locked.error ? locked.error.message : locked.stderr.trim() || `flock exited ${locked.status}`;
    throw new AppError('AM_INTERNAL', `cannot take the lock on the state folder ${stateDir} with flock(1) (util-linux): ${why}`, { cause: locked.error });
  }
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
        await handle.close();
      })();
      return released;
    },
  };
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
