/**
 * A keyed record file that grows by appending: one JSON line per change (`{"key", "record"}`, or
 * `{"key", "removed": true}`), the last line of a key wins. A batch of changes is one write and one
 * fdatasync whatever its size, so writing a record costs its own bytes, not the whole file's (as
 * lowdb's whole-file rewrite does: state.json). Now and then the owner compacts it: the live
 * records written afresh to a temporary file, renamed over the log (util/durable-file.ts).
 *
 * A crash can leave a torn last line (a batch cut short): it was never acknowledged, so reading
 * drops it and the next append starts on a clean line. Any other line that is not a record is
 * corruption, reported with its line number (never its text: a record may hold a credential hash).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors/registry.js';
import { fsyncDir, SECRET_FILE_MODE, writeFileDurably } from '../util/durable-file.js';

/** A change to append: a record by its key, or null when the key is removed. */
export type RecordChange<T> = readonly [key: string, record: T | null];

/** One call at a time: the owner serializes appends and compactions. */
export interface RecordLog<T> {
  readonly path: string;
  /** Appends the changes as one write and waits until they are on disk. */
  append(changes: readonly RecordChange<T>[]): Promise<void>;
  /** Replaces the file with exactly these records (atomic); later appends go after them. */
  compact(records: Iterable<readonly [string, T]>): Promise<void>;
  /** Lines in the file now: its size in records, live or superseded. */
  lines(): number;
  close(): Promise<void>;
}

/**
 * Opens (or creates, mode 0600) the log at `path`; `parse` checks one record and says what is
 * wrong with it. Returns the records as written, by key, and the log to append to.
 */
export async function openRecordLog<T>(
  path: string,
  parse: (json: unknown) => { record: T } | { problem: string },
): Promise<{ records: Map<string, T>; log: RecordLog<T> }> {
  const { records, lines, cleanBytes } = await readRecords(path, parse);
  let { handle, size: offset } = await openForAppend(path);
  // A torn tail is cut off, so the next batch starts on a line of its own.
  if (cleanBytes !== null) {
    await handle.truncate(cleanBytes);
    offset = cleanBytes;
  }
  let count = lines;
  let closed = false;
  const log: RecordLog<T> = {
    path,
    async append(changes) {
      if (closed) throw new AppError('AM_CLOSED', `the record log ${path} is closed`);
      if (changes.length === 0) return;
      const text = changes.map(([key, record]) => (record === null ? JSON.stringify({ key, removed: true }) : JSON.stringify({ key, record }))).join('\n');
      const bytes = Buffer.from(`${text}\n`);
      try {
        // Positioned writes ('a' mode would forbid the truncate above); one batch at a time.
        for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
        await handle.datasync();
      } catch (err) {
        // What part of the batch landed is cut off again: the next batch must not end mid-line in it.
        await handle.truncate(offset).catch(() => undefined);
        throw new AppError('AM_STATE_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
      }
      offset += bytes.length;
      count += changes.length;
    },
    async compact(all) {
      if (closed) throw new AppError('AM_CLOSED', `the record log ${path} is closed`);
      const lines: string[] = [];
      for (const [key, record] of all) lines.push(JSON.stringify({ key, record }));
      try {
        await writeFileDurably(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
        await handle.close();
        ({ handle, size: offset } = await openForAppend(path));
      } catch (err) {
        throw new AppError('AM_STATE_IO', `cannot compact ${path}: ${(err as Error).message}`, { cause: err });
      }
      count = lines.length;
    },
    lines: () => count,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
  return { records, log };
}

/** Opens the log for positioned writes (creating it 0600); returns the handle and its size. */
async function openForAppend(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AppError('AM_STATE_IO', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
    handle = await open(path, 'w+', SECRET_FILE_MODE);
    // open() applies the umask; chmod makes the mode exact whatever the umask.
    await handle.chmod(SECRET_FILE_MODE);
    await fsyncDir(dirname(path));
  }
  return { handle, size: (await handle.stat()).size };
}

async function readRecords<T>(
  path: string,
  parse: (json: unknown) => { record: T } | { problem: string },
): Promise<{ records: Map<string, T>; lines: number; cleanBytes: number | null }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: new Map(), lines: 0, cleanBytes: null };
    throw new AppError('AM_STATE_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const records = new Map<string, T>();
  const end = text.lastIndexOf('\n') + 1;
  const lines = end === 0 ? [] : text.slice(0, end - 1).split('\n');
  lines.forEach((line, i) => {
    const entry = parseLine(line, parse);
    if ('problem' in entry) throw corrupt(path, i + 1, entry.problem);
    if (entry.record === null) records.delete(entry.key);
    else records.set(entry.key, entry.record);
  });
  return { records, lines: lines.length, cleanBytes: end === text.length ? null : Buffer.byteLength(text.slice(0, end)) };
}

function parseLine<T>(line: string, parse: (json: unknown) => { record: T } | { problem: string }): { key: string; record: T | null } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null) return { problem: 'not an object' };
  const { key, record, removed } = json as { key?: unknown; record?: unknown; removed?: unknown };
  if (typeof key !== 'string' || key === '') return { problem: 'no key' };
  if (removed === true) return { key, record: null };
  const parsed = parse(record);
  return 'problem' in parsed ? parsed : { key, record: parsed.record };
}

function corrupt(path: string, line: number, problem: string): AppError {
  return new AppError(
    'AM_STATE_CORRUPT',
    `${path} is corrupt at line ${line}: ${problem}. The daemon will not start on a state it cannot trust; restore it from a backup, or move it aside (the nodes it lists must then join again)`,
    { details: { file: path, line } },
  );
}
