/**
 * The audit trail on disk: JSON lines, appended and fsync'd before `append` resolves, so an entry
 * that was acknowledged survives a crash. Two files bound it: the current one and, once that
 * reaches half of `maxBytes`, the previous one (renamed over the older previous one). Entries
 * older than `maxAgeMs` are not shown, and leave the disk a file at a time (the previous file
 * when its newest entry is that old). A crash can tear the last line: it is cut off at the next
 * start with a warning, and every entry before it stays.
 */
import { open, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { fsyncDir, SECRET_FILE_MODE } from '../util/durable-file.js';
import type { AuditEntry } from './entry.js';

export const TRAIL_FILE = 'trail.jsonl';
export const PREVIOUS_TRAIL_FILE = 'trail.1.jsonl';

export interface TrailLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export interface AuditTrail {
  /** Numbers, dates and writes the entry; resolves once it is on disk. */
  append(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry>;
  /** Every entry younger than maxAgeMs, oldest first. */
  read(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export async function openAuditTrail(dir: string, limits: () => TrailLimits, log: Logger, now: () => number = Date.now): Promise<AuditTrail> {
  const current = join(dir, TRAIL_FILE);
  const previous = join(dir, PREVIOUS_TRAIL_FILE);
  await cutTornLine(current, log);
  const older = parseLines(await readFile(previous, 'utf8').catch(() => ''), previous, log);
  const recent = parseLines(await readFile(current, 'utf8').catch(() => ''), current, log);
  let nextId = Math.max(0, ...older.map((e) => e.id), ...recent.map((e) => e.id)) + 1;
  let previousNewestMs = older.length > 0 ? Date.parse(older[older.length - 1]!.at) : null;
  let currentOldestMs = recent.length > 0 ? Date.parse(recent[0]!.at) : null;
  let handle: FileHandle | null = await openForAppend(current);
  let size = (await handle.stat()).size;
  // One operation at a time: appends keep their order, reads never see half a line.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function rotate(): Promise<void> {
    await handle?.close();
    await rename(current, previous);
    await fsyncDir(dir);
    handle = await openForAppend(current);
    previousNewestMs = now();
    currentOldestMs = null;
    size = 0;
  }

  async function dropExpired(): Promise<void> {
    const oldestKeptMs = now() - limits().maxAgeMs;
    if (previousNewestMs !== null && previousNewestMs < oldestKeptMs) {
      await unlink(previous).catch(() => undefined);
      previousNewestMs = null;
    }
    // The current file's oldest entry expired: make it the previous file, to be dropped in turn.
    if (previousNewestMs === null && currentOldestMs !== null && currentOldestMs < oldestKeptMs) await rotate();
  }

  return {
    append(fields) {
      return serial(async () => {
        if (!handle) throw new Error('the audit trail is closed');
        const entry: AuditEntry = { id: nextId, at: new Date(now()).toISOString(), ...fields };
        const line = `${JSON.stringify(entry)}\n`;
        await dropExpired();
        if (size > 0 && size + Buffer.byteLength(line) > limits().maxBytes / 2) await rotate();
        await handle!.write(line);
        await handle!.datasync();
        nextId += 1;
        size += Buffer.byteLength(line);
        currentOldestMs ??= Date.parse(entry.at);
        return entry;
      });
    },
    read() {
      return serial(async () => {
        const oldestKeptMs = now() - limits().maxAgeMs;
        const entries = [
          ...parseLines(await readFile(previous, 'utf8').catch(() => ''), previous, log),
          ...parseLines(await readFile(current, 'utf8').catch(() => ''), current, log),
        ];
        return entries.filter((entry) => Date.parse(entry.at) >= oldestKeptMs);
      });
    },
    close() {
      return serial(async () => {
        await handle?.close();
        handle = null;
      });
    },
  };
}

async function openForAppend(path: string): Promise<FileHandle> {
  const handle = await open(path, 'a', SECRET_FILE_MODE);
  // open() applies the umask to a new file; an old file may have been loosened by hand.
  await handle.chmod(SECRET_FILE_MODE);
  return handle;
}

/** A crash during a write leaves a last line without its newline: cut it, so the next entry starts clean. */
async function cutTornLine(path: string, log: Logger): Promise<void> {
  const bytes = await readFile(path).catch(() => null);
  if (bytes === null || bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  await truncate(path, keep);
  log.warn({ file: path, droppedBytes: bytes.length - keep }, 'audit trail: a torn last line (a crash during a write) was cut off; every entry before it is intact');
}

function parseLines(text: string, file: string, log: Logger): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const value = JSON.parse(line) as AuditEntry;
      if (typeof value.id === 'number' && typeof value.at === 'string') entries.push(value);
      else skipped += 1;
    } catch {
      skipped += 1;
    }
  }
  if (skipped > 0) log.warn({ file, skipped }, 'audit trail: lines that are not entries were skipped');
  return entries;
}
