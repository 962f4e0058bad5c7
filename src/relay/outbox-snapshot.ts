/**
 * A snapshot of the outbox index, so that a start reads it and the journal after it instead of
 * every record of every segment. It is written when the outbox is quiet, and at a clean stop.
 *
 * The file `index.snapshot` in the outbox folder, replaced whole (written, synced, renamed), is
 * the index's table packed (entry-table.ts), the messages in arrival order:
 *
 *   {"ids":[...],"subjects":[...],"keys":[...],...}     the strings, one JSON object
 *   the numeric columns, each N values as raw bytes      (this machine's byte order: the file
 *                                                        never leaves it)
 *   {"v":1,"seq":S,"offset":O,"tail":T,"messages":N,"strings":B,"crc":C}
 *   the length of that last JSON, 4 bytes little-endian
 *
 * The trailer says where the snapshot stops in the journal (segment S, offset O), how many bytes
 * the strings take, and C, the CRC-32 of every byte before it. A start takes the table as its
 * index (and rebuilds the sums, the schedule and the keys from it) instead of parsing a record
 * per message, then replays the journal after (S, O).
 *
 * It holds the index as replaying the journal up to (S, O) would build it. So it is taken only
 * when no write stands between the index and the journal: no append waits or is being written,
 * no outcome is applied and unwritten, no compaction runs, and no journal write has failed since
 * the start (see `quiet` in outbox.ts). A record after (S, O) about a message of the snapshot
 * applies to it as it would in a full replay: the index applies records to what it holds, however
 * it came to hold it. `tail` is the CRC-32 of the 4 KB before O in segment S (a snapshot is taken
 * only at 4 KB or more into a segment): a snapshot is used only with the journal it was taken
 * of, and only while segment S is still there. Otherwise, or if its CRC fails, or if it does not
 * describe a table, the start reads every record, as it did before snapshots.
 *
 * What memory holds and the journal does not: a send in flight is left out (the message is due
 * again after a start, as after a full replay); `outbox flush` making deferred mail due now is
 * kept (after a full replay it would wait for its time), and so is a message held back after its
 * body could not be read (deferred until its retry, where replay has it queued); idempotency keys of messages already sent
 * are not in the table, so a start from a snapshot no longer remembers them (a full replay
 * remembers those whose records are still in the journal; only keys of mail in the outbox, or sent
 * since the start, are promised).
 */
import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { writeFileDurably } from '../util/durable-file.js';
import { COLUMN_NAMES, EntryTable, newColumns, type Columns, type PackedTable } from './entry-table.js';
import { fileName } from './journal-format.js';
import type { Journal, JournalPosition } from './journal.js';
import type { OutboxIndex } from './outbox-index.js';

export const SNAPSHOT_FILE = 'index.snapshot';
/** What writeFileDurably leaves of a snapshot when the daemon dies while writing it. */
const UNFINISHED = /^\.index\.snapshot\.\d+\.\d+\.tmp$/;
const VERSION = 1;
const TAIL_BYTES = 4096;
/** A new snapshot once the journal has grown this much since the last (or a segment was added). */
export const SNAPSHOT_MIN_BYTES = 1024 * 1024;
/** Past this since the last, a snapshot is taken at a quiet moment without waiting for a quiet second. */
const SNAPSHOT_MAX_WAIT_MS = 60_000;

/** The CRC-32 of the bytes before `at` in its segment (up to TAIL_BYTES), or null if they are not there. */
async function tailCrc(dir: string, at: JournalPosition): Promise<number | null> {
  const handle = await open(join(dir, fileName(at.seq)), 'r').catch(() => null);
  if (!handle) return null;
  try {
    if ((await handle.stat()).size < at.offset) return null;
    const length = Math.min(TAIL_BYTES, at.offset);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, at.offset - length);
    return bytesRead === length ? crc32(buffer) : null;
  } finally {
    await handle.close();
  }
}

/** Writes the index, packed for a snapshot, as the index at `at`; returns how many messages it holds. */
export async function writeSnapshot(dir: string, at: JournalPosition, packed: { columns: Columns; json: Buffer[] }): Promise<number> {
  const tail = await tailCrc(dir, at);
  if (tail === null) throw new AppError('AM_OUTBOX_UNAVAILABLE', `the journal segment ${fileName(at.seq)} ends before the snapshot's position`);
  const { columns, json } = packed;
  const parts = [...json, ...COLUMN_NAMES.map((name) => Buffer.from(columns[name].buffer, columns[name].byteOffset, columns[name].byteLength))];
  let crc = 0;
  for (const part of parts) crc = crc32(part, crc);
  const messages = columns.kind.length;
  const strings = json.reduce((bytes, part) => bytes + part.length, 0);
  const trailer = Buffer.from(JSON.stringify({ v: VERSION, seq: at.seq, offset: at.offset, tail, messages, strings, crc }), 'utf8');
  const trailerLength = Buffer.alloc(4);
  trailerLength.writeUInt32LE(trailer.length);
  await writeFileDurably(join(dir, SNAPSHOT_FILE), [...parts, trailer, trailerLength]);
  return messages;
}

/** Removes what a daemon killed while writing a snapshot left (each as large as a snapshot). */
export async function removeUnfinishedSnapshots(dir: string): Promise<void> {
  for (const name of await readdir(dir)) if (UNFINISHED.test(name)) await unlink(join(dir, name)).catch(() => undefined);
}

/**
 * Restores `index` from the snapshot if there is one of this journal, whole; returns where the
 * journal's replay starts then, or null (no snapshot, or one that cannot be used: said in the log).
 */
export async function loadSnapshot(dir: string, log: Logger, index: OutboxIndex): Promise<(JournalPosition & { messages: number }) | null> {
  const path = join(dir, SNAPSHOT_FILE);
  const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!data) return null;
  const unusable = (why: string) => {
    log.warn({ code: 'AM_OUTBOX_CORRUPT', file: path }, `the outbox index snapshot ${why}; reading the whole journal instead`);
    return null;
  };
  const trailerStart = data.length >= 4 ? data.length - 4 - data.readUInt32LE(data.length - 4) : -1;
  const trailer = trailerStart >= 0 ? parseTrailer(data.subarray(trailerStart, data.length - 4)) : null;
  if (!trailer || trailer.v !== VERSION) return unusable('has no trailer this version can read');
  if (crc32(data.subarray(0, trailerStart)) !== trailer.crc) return unusable('fails its CRC (damaged or cut short)');
  if ((await tailCrc(dir, trailer)) !== trailer.tail) return unusable(`was taken of another journal, or of one whose segment ${fileName(trailer.seq)} is gone`);
  let table: EntryTable;
  try {
    const strings = JSON.parse(data.toString('utf8', 0, trailer.strings)) as Omit<PackedTable, 'columns'>;
    const columns = newColumns(trailer.messages);
    let at = trailer.strings;
    for (const name of COLUMN_NAMES) {
      const column = new Uint8Array(columns[name].buffer);
      column.set(data.subarray(at, at + column.length));
      at += column.length;
    }
    if (at !== trailerStart) throw new Error(`its columns end at byte ${at}, its trailer starts at ${trailerStart}`);
    table = EntryTable.unpack({ ...strings, columns });
  } catch (err) {
    // Past the CRC: a record replay tolerates (damage its CRC missed) that a table cannot hold, or our own bug.
    return unusable(`cannot be read although its CRC holds (${(err as Error).message})`);
  }
  index.restore(table);
  return { seq: trailer.seq, offset: trailer.offset, messages: trailer.messages };
}

type Trailer = JournalPosition & { v: number; tail: number; messages: number; strings: number; crc: number };

function parseTrailer(bytes: Buffer): Trailer | null {
  try {
    const t = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const numbers = ['v', 'seq', 'offset', 'tail', 'messages', 'strings', 'crc'].every((k) => Number.isSafeInteger(t[k]) && (t[k] as number) >= 0);
    return numbers ? (t as unknown as Trailer) : null;
  } catch {
    return null;
  }
}

export interface Snapshots {
  /** The outbox now writes a fresh journal (a lost folder's queue written again): counted from its start. */
  journalReplaced(): void;
  /** Stops taking snapshots; takes a last one if the outbox is quiet and the journal grew enough. */
  close(): Promise<void>;
}

/**
 * Takes a snapshot once the journal grew by SNAPSHOT_MIN_BYTES (or a segment) since the last one,
 * at a moment the outbox is quiet: when the journal has not moved for a whole `intervalMs` (after
 * a burst, not in it: packing 100,000 messages holds the event loop ~90 ms), or, with mail coming
 * in all the time, at the first quiet moment SNAPSHOT_MAX_WAIT_MS after the last.
 */
export function takeSnapshots(deps: { dir: string; log: Logger; index: OutboxIndex; journal: () => Journal; quiet: () => boolean; loadedAt: JournalPosition | null; intervalMs?: number; minBytes?: number }): Snapshots {
  const { dir, log, index } = deps;
  const minBytes = deps.minBytes ?? SNAPSHOT_MIN_BYTES;
  let seen = deps.journal().position();
  /** The last snapshot's position; without one, the start of the head segment (a small journal gets none). */
  let last = deps.loadedAt ?? { seq: seen.seq, offset: 0 };
  let taking: Promise<void> | null = null;
  let lastAt = Date.now();
  const same = (a: JournalPosition, b: JournalPosition) => a.seq === b.seq && a.offset === b.offset;
  // A position with less than TAIL_BYTES before it in its segment would be told from another journal's by too little.
  const grown = (at: JournalPosition) => at.offset >= TAIL_BYTES && (at.seq !== last.seq || at.offset - last.offset >= minBytes);

  /** Reads the index now, in this turn, with the position: the writing goes on after. */
  function take(at: JournalPosition): Promise<void> {
    const started = performance.now();
    taking = writeSnapshot(dir, at, index.packForSnapshot())
      .then((messages) => {
        last = at;
        lastAt = Date.now();
        log.info({ messages, ms: Math.round(performance.now() - started) }, `outbox index snapshot written (${messages} messages)`);
      })
      .catch((err: unknown) => log.warn({ err }, 'cannot write the outbox index snapshot; the next start reads more of the journal'))
      .finally(() => {
        taking = null;
      });
    return taking;
  }

  const timer = setInterval(() => {
    const at = deps.journal().position();
    const still = same(at, seen);
    seen = at;
    if ((still || Date.now() - lastAt >= SNAPSHOT_MAX_WAIT_MS) && !taking && grown(at) && deps.quiet()) void take(at);
  }, deps.intervalMs ?? 1000);
  timer.unref();

  return {
    journalReplaced() {
      seen = deps.journal().position();
      last = { seq: seen.seq, offset: 0 };
    },
    async close() {
      clearInterval(timer);
      await taking;
      const at = deps.journal().position();
      if (grown(at) && deps.quiet()) await take(at);
    },
  };
}
