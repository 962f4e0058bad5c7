/**
 * sendmail's drop folder (Postfix's maildrop): where `sendmail` leaves a message while the daemon
 * cannot take it (stopped, starting, its socket refused), so that cron's and mailx's mail is never
 * lost; the daemon takes each file from there (drop-pickup.ts).
 *
 * The folder is owned by the daemon's user, group the submitters' group, mode 1730 (as Postfix's
 * maildrop with postdrop): members may create files and nothing else (they cannot list it, read
 * the others' files, nor, sticky, remove them); others may not even enter it. A file is written
 * under a temporary name, fsync'd, then renamed to its final name: the daemon only takes whole
 * files. A file is one line of JSON (the envelope) and then the message as given.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import { fsyncDir } from '../util/durable-file.js';

/** The folder's mode: owner all, group write and enter (not list), others nothing, sticky. */
export const DROP_FOLDER_MODE = 0o1730;
/**
 * Readable by the daemon whoever wrote it (root's cron, a member's script): the folder lets
 * nobody but its members in, and they cannot list it to learn the random names.
 */
const DROP_FILE_MODE = 0o644;
/** Only files with this ending are taken; a temporary one starts with a dot. */
export const DROP_FILE_SUFFIX = '.msg';
const MAGIC = 'appliance-mail-drop 1 ';

export interface DropEnvelope {
  recipients: string[];
  recipientsFromHeaders: boolean;
}

export function encodeDropFile(envelope: DropEnvelope, message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(envelope)}\n`, 'utf8'), message]);
}

/** The envelope and the message of a drop file; AM_DROP_FILE_BAD when it is not one. */
export function decodeDropFile(data: Buffer): { envelope: DropEnvelope; message: Buffer } {
  const newline = data.indexOf(0x0a);
  const head = newline < 0 ? '' : data.subarray(0, newline).toString('utf8');
  if (!head.startsWith(MAGIC)) throw bad('it does not start with the drop-file line sendmail writes');
  let envelope: unknown;
  try {
    envelope = JSON.parse(head.slice(MAGIC.length));
  } catch {
    throw bad('its envelope line is not JSON');
  }
  const e = envelope as Partial<DropEnvelope>;
  if (!Array.isArray(e.recipients) || !e.recipients.every((r) => typeof r === 'string') || typeof e.recipientsFromHeaders !== 'boolean') {
    throw bad('its envelope line lacks recipients or recipientsFromHeaders');
  }
  return { envelope: { recipients: e.recipients, recipientsFromHeaders: e.recipientsFromHeaders }, message: data.subarray(newline + 1) };
}

/**
 * Writes a drop file atomically and durably; returns its name. The folder is fsync'd too when
 * this user may open it (root; a member may not read the folder, and its entry then reaches the
 * disk with the filesystem's next commit, within seconds on ext4).
 */
export async function writeDropFile(folder: string, envelope: DropEnvelope, message: Buffer): Promise<string> {
  const unique = `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(8).toString('hex')}`;
  const temp = join(folder, `.${unique}.tmp`);
  const name = `${unique}${DROP_FILE_SUFFIX}`;
  const handle = await open(temp, 'wx', DROP_FILE_MODE).catch((err: unknown) => {
    throw new AppError('AM_DROP_FOLDER_UNAVAILABLE', `cannot write into the drop folder ${folder}: ${(err as Error).message}`, { cause: err });
  });
  try {
    await handle.writeFile(encodeDropFile(envelope, message));
    await handle.chmod(DROP_FILE_MODE);
    await handle.sync();
    await handle.close();
    await rename(temp, join(folder, name));
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw new AppError('AM_DROP_FOLDER_UNAVAILABLE', `cannot write into the drop folder ${folder}: ${(err as Error).message}`, { cause: err });
  }
  await fsyncDir(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EACCES') throw err;
  });
  return name;
}

function bad(reason: string): AppError {
  return new AppError('AM_DROP_FILE_BAD', `not a drop file: ${reason}`);
}
