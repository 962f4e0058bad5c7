/**
 * Free space on the state filesystem, for the outbox's floor (relay.minFreeBytes, as Postfix's
 * queue_minfree). statfs is asked at most once a second; in between, what the outbox wrote is
 * subtracted, so a burst cannot overrun the floor between two looks.
 *
 * Some FUSE and network filesystems (and tmpfs mounted with size=0) report no size at all: 0
 * blocks. That is "unknown", not "full": the floor is not applied there (a real full disk still
 * fails the journal's write, which refuses the message) and status says so.
 */
import { readFile, statfs as fsStatfs } from 'node:fs/promises';
import { resolve } from 'node:path';

/** How old a statfs answer may be before the next submission asks again. */
const STATFS_MAX_AGE_MS = 1000;

export interface FreeSpace {
  /** Bytes available to the daemon (not to root only), less what was written since the last look; Infinity when unknown. */
  available(): Promise<number>;
  wrote(bytes: number): void;
  /** Why the floor is not applied (the filesystem reports no size), or null while it is measured. */
  unmeasured(): string | null;
  /** The last answer, without asking again (status, metrics); Infinity before the first. */
  known(): number;
}

type Statfs = (path: string) => Promise<{ blocks: number; bavail: number; bsize: number }>;

export function createFreeSpace(dir: string, statfs: Statfs = fsStatfs): FreeSpace {
  let free = Number.POSITIVE_INFINITY;
  let lookedAt = 0;
  let writtenSince = 0;
  let looking: Promise<void> | null = null;
  let unmeasured: string | null = null;

  async function look(): Promise<void> {
    try {
      const stats = await statfs(dir);
      if (stats.blocks === 0) {
        free = Number.POSITIVE_INFINITY;
        unmeasured ??= `the filesystem holding ${dir} (${await describeFilesystem(dir)}) reports no size, so relay.minFreeBytes cannot be applied there; mail is accepted until a write fails`;
      } else {
        free = stats.bavail * stats.bsize;
        unmeasured = null;
      }
    } catch {
      // A filesystem that cannot say keeps the last answer; the journal's own write errors still refuse.
    }
    lookedAt = Date.now();
    writtenSince = 0;
  }

  return {
    async available() {
      if (Date.now() - lookedAt > STATFS_MAX_AGE_MS) {
        looking ??= look().finally(() => (looking = null));
        await looking;
      }
      return free - writtenSince;
    },
    wrote(bytes) {
      writtenSince += bytes;
    },
    unmeasured: () => unmeasured,
    known: () => free - writtenSince,
  };
}

/** "fuse.lazyfs on /mnt/x": the mount holding `dir` (the longest mount point above it), from /proc/self/mounts. */
async function describeFilesystem(dir: string): Promise<string> {
  const path = resolve(dir);
  try {
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((line) => line.split(' '));
    let best: { type: string; at: string } | null = null;
    for (const [, rawAt, type] of mounts) {
      if (!rawAt || !type) continue;
      // /proc/self/mounts escapes spaces and the like as octal (\040).
      const at = rawAt.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
      const inside = at === '/' || path === at || path.startsWith(`${at}/`);
      if (inside && (!best || at.length >= best.at.length)) best = { type, at };
    }
    return best ? `${best.type} on ${best.at}` : 'an unknown filesystem';
  } catch {
    return 'an unknown filesystem';
  }
}
