/**
 * Whole-file replacement that survives a crash at any point: write a temporary file with the
 * final mode, fsync it, rename it over the target, fsync the folder. A reader sees the old file
 * or the new one, never a mix.
 */
import { open, rename, mkdir, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** Files that hold secrets (credentials, the SMTP password) are readable by the daemon alone. */
export const SECRET_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * `owner`: give the file this owner and group (an operator's file replaced by the daemon keeps
 * them); only set when they differ from the writer's, since only root may give files away.
 */
export async function writeFileDurably(path: string, data: string | Uint8Array | readonly Uint8Array[], mode = SECRET_FILE_MODE, owner?: { uid: number; gid: number }): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    // A list is written a part after another (a large file need not be one buffer in memory).
    for (const part of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) await handle.writeFile(part);
    // open() applies the umask; chmod makes the mode exact whatever the umask.
    await handle.chmod(mode);
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(temp, path);
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
