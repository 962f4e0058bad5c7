/**
 * Whether the outbox's folder is still the one the daemon opened. A folder removed under a
 * running daemon (a wiped /tmp, an operator's rm -rf) leaves it appending to files nobody can
 * find again: a restart would lose the queue. The folder is held open, and compared by device
 * and inode with what its path names now; an open folder that was removed has no links left.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface FolderIdentity {
  /** null while the folder is the one opened; else what happened, in words naming it. */
  check(): Promise<string | null>;
  close(): Promise<void>;
}

export async function holdFolder(dir: string): Promise<FolderIdentity> {
  const handle: FileHandle = await open(dir, 'r');
  const opened = await handle.stat();
  let closed = false;
  return {
    async check() {
      if (closed) return null;
      const now = await handle.stat();
      if (now.nlink === 0) return `the state folder ${dir} was removed`;
      const named = await stat(dir).catch(() => null);
      if (named === null) return `the state folder ${dir} is gone`;
      if (named.dev !== opened.dev || named.ino !== opened.ino) return `the state folder ${dir} was replaced by another folder`;
      return null;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
