/**
 * Free space on the state filesystem, for the outbox's floor (relay.minFreeBytes, as Postfix's
 * queue_minfree). statfs is asked at most once a second; in between, what the outbox wrote is
 * subtracted, so a burst cannot overrun the floor between two looks.
 */
import { statfs } from 'node:fs/promises';

/** How old a statfs answer may be before the next submission asks again. */
const STATFS_MAX_AGE_MS = 1000;

export interface FreeSpace {
  /** Bytes available to the daemon (not to root only), less what was written since the last look. */
  available(): Promise<number>;
  wrote(bytes: number): void;
  /** The last answer, without asking again (status, metrics); Infinity before the first. */
  known(): number;
}

export function createFreeSpace(dir: string): FreeSpace {
  let free = Number.POSITIVE_INFINITY;
  let lookedAt = 0;
  let writtenSince = 0;
  let looking: Promise<void> | null = null;

  async function look(): Promise<void> {
    try {
      const stats = await statfs(dir);
      free = stats.bavail * stats.bsize;
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
    known: () => free - writtenSince,
  };
}
