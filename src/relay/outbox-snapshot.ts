/**
 * A snapshot of the outbox index, so that a start reads it and the journal after it instead of
 * every record of every segment. It is written when the outbox is quiet, and at a clean stop.
 *
 * The file `index.snapshot` in the outbox folder, replaced whole (written, synced, renamed):
 *
 *   [copy record, body reference or null]          a line per message
 *   {"v":1,"seq":S,"offset":O,"tail":T,"messages":N,"crc":C}
 *
 * The last line says where the snapshot stops in the journal, and C is the CRC-32 of every byte
 * before it.
 *
 * It holds the index as replaying the journal up to (S, O) would build it. So it is taken only
 * when no write stands between the index and the journal: no append waits or is being written,
 * no outcome is applied and unwritten, no compaction runs (see `quiet` in outbox.ts). The records
 * are the ones compaction copies messages forward with, read by the same code as the journal's: a
 * record after (S, O) about a message of the snapshot applies to it as it would in a full replay.
 * `tail` is the CRC-32 of the 4 KB before O in segment S: a snapshot is used only with the journal
 * it was taken of, and only while segment S is still there. Otherwise, or if its CRC fails, the
 * start reads every record, as it did before snapshots.
 *
 * Memory-only changes are not in the journal, and the snapshot leaves out the one that matters
 * (a send in flight: sent again after a crash). A message held back after an outcome could not be
 * written (disk full) is kept held back, as a deferred message; replay would have it queued.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { writeFileDurably } from '../util/durable-file.js';
import { fileName } from './journal-format.js';
import type { BodyRef, Journal, JournalPosition } from './journal.js';
import type { OutboxIndex } from './outbox-index.js';
import { encodeRecord } from './outbox-records.js';

export const SNAPSHOT_FILE = 'index.snapshot';
const VERSION = 1;
const TAIL_BYTES = 4096;
/** Lines serialized between two turns of the event loop: a submission meanwhile waits ~5 ms, not the whole snapshot. */
const LINES_PER_TURN = 2000;
/** A new snapshot once the journal has grown this much since the last (or a segment was added). */
export const SNAPSHOT_MIN_BYTES = 1024 * 1024;

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

/** Writes the messages (a frozen copy, read a part at a time) as the index at `at`; returns how many. */
export async function writeSnapshot(dir: string, at: JournalPosition, messages: Iterable<{ record: object; body: BodyRef | null }>): Promise<number> {
  const tail = await tailCrc(dir, at);
  if (tail === null) throw new AppError('AM_OUTBOX_UNAVAILABLE', `the journal segment ${fileName(at.seq)} ends before the snapshot's position`);
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  let count = 0;
  let crc = 0;
  const flush = () => {
    const chunk = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
    crc = crc32(chunk, crc);
    chunks.push(chunk);
    lines = [];
  };
  for (const { record, body } of messages) {
    lines.push(JSON.stringify([encodeRecord(record as Parameters<typeof encodeRecord>[0]), body]));
    if (++count % LINES_PER_TURN === 0) {
      flush();
      await nextTurn();
    }
  }
  flush();
  const trailer = { v: VERSION, seq: at.seq, offset: at.offset, tail, messages: count, crc };
  await writeFileDurably(join(dir, SNAPSHOT_FILE), [...chunks, Buffer.from(`${JSON.stringify(trailer)}\n`, 'utf8')]);
  return count;
}

/**
 * Reads the snapshot into `onRecord` if there is one of this journal, whole; returns where the
 * journal's replay starts then, or null (no snapshot, or one that cannot be used: said in the log).
 */
export async function loadSnapshot(dir: string, log: Logger, onRecord: (meta: unknown, body: BodyRef | null) => void): Promise<(JournalPosition & { messages: number }) | null> {
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
  const end = data.length > 0 && data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  const start = data.lastIndexOf(0x0a, end - 1) + 1;
  const trailer = parseTrailer(data.subarray(start, end));
  if (!trailer || trailer.v !== VERSION) return unusable('has no trailer this version can read');
  if (crc32(data.subarray(0, start)) !== trailer.crc) return unusable('fails its CRC (damaged or cut short)');
  if ((await tailCrc(dir, trailer)) !== trailer.tail) return unusable(`was taken of another journal, or of one whose segment ${fileName(trailer.seq)} is gone`);
  let at = 0;
  for (let line = 1; at < start; line++) {
    const next = data.indexOf(0x0a, at);
    const [meta, body] = parseLine(data.subarray(at, next), path, line);
    onRecord(meta, body);
    at = next + 1;
  }
  return { seq: trailer.seq, offset: trailer.offset, messages: trailer.messages };
}

type Trailer = JournalPosition & { v: number; tail: number; messages: number; crc: number };

function parseTrailer(bytes: Buffer): Trailer | null {
  try {
    const t = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const numbers = ['v', 'seq', 'offset', 'tail', 'messages', 'crc'].every((k) => Number.isSafeInteger(t[k]));
    return numbers ? (t as unknown as Trailer) : null;
  } catch {
    return null;
  }
}

/** A message's line; past the CRC a line that does not read is our own bug, not damage: the start stops, saying what to do. */
function parseLine(bytes: Buffer, path: string, line: number): [unknown, BodyRef | null] {
  try {
    const [meta, body] = JSON.parse(bytes.toString('utf8')) as [unknown, BodyRef | null];
    if (body === null || (typeof body === 'object' && [body.seq, body.offset, body.length, body.crc].every(Number.isSafeInteger))) return [meta, body];
  } catch {
    // said below
  }
  throw new AppError('AM_OUTBOX_CORRUPT', `line ${line} of the outbox index snapshot ${path} cannot be read although its CRC holds; remove that file and start again (the journal holds every message)`);
}

export interface Snapshots {
  /** Stops taking snapshots; takes a last one if the outbox is quiet and the journal grew enough. */
  close(): Promise<void>;
}

/**
 * Takes a snapshot when the journal has not moved for a whole `intervalMs`, the outbox is quiet,
 * and the journal grew by SNAPSHOT_MIN_BYTES (or a segment) since the last one.
 */
export function takeSnapshots(deps: { dir: string; log: Logger; index: OutboxIndex; journal: () => Journal; quiet: () => boolean; loadedAt: JournalPosition | null; intervalMs?: number; minBytes?: number }): Snapshots {
  const { dir, log, index } = deps;
  const minBytes = deps.minBytes ?? SNAPSHOT_MIN_BYTES;
  let seen = deps.journal().position();
  /** The last snapshot's position; without one, the start of the head segment (a small journal gets none). */
  let last = deps.loadedAt ?? { seq: seen.seq, offset: 0 };
  let taking: Promise<void> | null = null;
  const same = (a: JournalPosition, b: JournalPosition) => a.seq === b.seq && a.offset === b.offset;
  const grown = (at: JournalPosition) => at.seq !== last.seq || at.offset - last.offset >= minBytes;

  /** Reads the index now, in this turn, with the position: the writing goes on after. */
  function take(at: JournalPosition): Promise<void> {
    const started = performance.now();
    taking = writeSnapshot(dir, at, index.frozen())
      .then((messages) => {
        last = at;
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
    if (still && !taking && grown(at) && deps.quiet()) void take(at);
  }, deps.intervalMs ?? 1000);
  timer.unref();

  return {
    async close() {
      clearInterval(timer);
      await taking;
      const at = deps.journal().position();
      if (grown(at) && deps.quiet()) await take(at);
    },
  };
}
