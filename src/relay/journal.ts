/**
 * The outbox's append-only journal, in segments (journal-NNNNNNNN.log). A record is a short
 * metadata section (JSON: what the index needs) and an optional body (the rendered message):
 *
 *   magic (2) | meta length (4) | body length (4) | body CRC-32 (4) | head CRC-32 (4) | meta | body
 *
 * The head CRC covers the first 14 bytes and the meta, so replay checks every record's framing
 * and index fields without reading its body: it seeks over bodies, and start-up does not grow
 * with the bytes queued. A body is read back (pread) when it is sent and checked against its CRC
 * then. A torn tail (a half-written last record, never acknowledged) is cut; a damaged record is
 * skipped and the records after it kept. In the last segment, written just before a crash, bodies
 * are checked at replay too (bounded by the segment size).
 *
 * Appends are group-committed: records that arrive while an fdatasync runs are written together
 * by the next one. When the head segment is full, the next batch opens a new one; a segment whose
 * messages are all finished or copied forward is deleted whole (see the outbox's compaction).
 */
import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppError } from '../errors/registry.js';
import { nextIntactRecord, READ_WINDOW_BYTES, WindowReader } from './window-reader.js';
import { fsyncDir, SECRET_FILE_MODE } from '../util/durable-file.js';

/** Marks the start of a record, for resynchronising after damage (version 0.1.0 used 0xa54d). */
export const MAGIC = 0xa54e;
export const HEAD_BYTES = 18;
/** Index fields are short; anything larger is damage, not data. */
const MAX_META_BYTES = 64 * 1024;
/** Messages are capped far below this (relay.maxMessageBytes); a larger length is damage. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** A new segment starts once the head is this large: compaction then works a segment at a time. */
export const SEGMENT_BYTES = 64 * 1024 * 1024;
/** Replay reads the index through a window this large, seeking over bodies larger than it. */
export const FILE_PATTERN = /^journal-(\d{8})\.log$/;

/** Where a record's body lies: segment, offset, length and CRC, enough to read and check it. */
export interface BodyRef {
  seq: number;
  offset: number;
  length: number;
  crc: number;
}

export interface JournalRecord {
  meta: unknown;
  body?: Buffer;
}

export interface ReplayReport {
  records: number;
  /** Byte ranges that could not be read as records and were skipped. */
  damaged: Array<{ file: string; offset: number; bytes: number }>;
  /** Bytes at the end of the last file that were a torn (half-written) record. */
  tornTailBytes: number;
}

export interface Journal {
  /** Appends records; resolves once they are on disk (fdatasync), with where each body landed. */
  append(records: readonly JournalRecord[]): Promise<Array<BodyRef | null>>;
  /**
   * Reads a body back, after `prefix` bytes left free at the start of the returned buffer (the
   * caller writes a header line there: no second copy). Rejects with AM_OUTBOX_CORRUPT when the
   * bytes no longer match their CRC.
   */
  readBody(ref: BodyRef, prefixBytes?: number): Promise<Buffer>;
  /** Segments oldest first with their sizes; the last one is the head, being appended to. */
  segments(): Array<{ seq: number; bytes: number }>;
  /** Closes the head: the next append starts a new segment (so that the old one can be deleted). */
  roll(): Promise<void>;
  /** Deletes a segment that is not the head; reads in flight on it finish first. */
  removeSegment(seq: number): Promise<void>;
  sizeBytes(): number;
  /** fdatasyncs of appended batches since open: shows appends are grouped (tests, metrics). */
  fsyncCount(): number;
  /**
   * Whether the head file is still the one opened, under its name: null if so, else what
   * happened (removed, or another file put in its place). Its segments stay readable meanwhile:
   * each is held open from the start.
   */
  checkIdentity(): Promise<string | null>;
  close(): Promise<void>;
}

/** One record as bytes: the head and meta in one buffer, the body kept apart (not copied). */
function encode(record: JournalRecord): { head: Buffer; body: Buffer | null } {
  const meta = Buffer.from(JSON.stringify(record.meta), 'utf8');
  const body = record.body && record.body.length > 0 ? record.body : null;
  const head = Buffer.alloc(HEAD_BYTES + meta.length);
  head.writeUInt16BE(MAGIC, 0);
  head.writeUInt32BE(meta.length, 2);
  head.writeUInt32BE(body?.length ?? 0, 6);
  head.writeUInt32BE(body ? crc32(body) : 0, 10);
  meta.copy(head, HEAD_BYTES);
  head.writeUInt32BE(headCrc(head.subarray(0, 14), meta), 14);
  return { head, body };
}

/** A record framed in one buffer (tests write damaged journals with it). */
export function frame(record: JournalRecord | unknown): Buffer {
  const r = isRecord(record) ? record : { meta: record };
  const { head, body } = encode(r);
  return body ? Buffer.concat([head, body]) : head;
}

function isRecord(value: unknown): value is JournalRecord {
  return typeof value === 'object' && value !== null && 'meta' in value;
}

function headCrc(fixed: Buffer, meta: Buffer): number {
  return crc32(meta, crc32(fixed));
}

type Parsed = { meta: unknown; end: number; bodyOffset: number; bodyLength: number; bodyCrc: number };

/** The record at `at`, if its framing and head CRC check out (and its body, when asked). */
async function recordAt(reader: WindowReader, at: number, checkBody: boolean): Promise<Parsed | 'torn' | null> {
  if (at + HEAD_BYTES > reader.size) return 'torn';
  const head = Buffer.from(await reader.read(at, HEAD_BYTES));
  if (head.readUInt16BE(0) !== MAGIC) return null;
  const metaLength = head.readUInt32BE(2);
  const bodyLength = head.readUInt32BE(6);
  if (metaLength > MAX_META_BYTES || bodyLength > MAX_BODY_BYTES) return null;
  const end = at + HEAD_BYTES + metaLength + bodyLength;
  if (at + HEAD_BYTES + metaLength > reader.size) return 'torn';
  const meta = await reader.read(at + HEAD_BYTES, metaLength);
  if (headCrc(head.subarray(0, 14), meta) !== head.readUInt32BE(14)) return null;
  if (end > reader.size) return 'torn';
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    return null;
  }
  const bodyOffset = at + HEAD_BYTES + metaLength;
  const bodyCrc = head.readUInt32BE(10);
  if (checkBody && bodyLength > 0 && !(await bodyMatches(reader, bodyOffset, bodyLength, bodyCrc))) return null;
  return { meta: parsed, end, bodyOffset, bodyLength, bodyCrc };
}

async function bodyMatches(reader: WindowReader, offset: number, length: number, expected: number): Promise<boolean> {
  let crc = 0;
  for (let at = offset; at < offset + length; at += READ_WINDOW_BYTES) {
    crc = crc32(await reader.read(at, Math.min(READ_WINDOW_BYTES, offset + length - at)), crc);
  }
  return crc === expected;
}

/** Replays one segment; returns where its last good record ends. */
async function replaySegment(
  handle: FileHandle,
  seq: number,
  file: string,
  isLast: boolean,
  onRecord: (meta: unknown, body: BodyRef | null) => void,
  report: ReplayReport,
): Promise<number> {
  const reader = new WindowReader(handle, (await handle.stat()).size);
  let at = 0;
  let goodEnd = 0;
  while (at < reader.size) {
    const found = await recordAt(reader, at, isLast);
    if (found !== null && found !== 'torn') {
      onRecord(found.meta, found.bodyLength > 0 ? { seq, offset: found.bodyOffset, length: found.bodyLength, crc: found.bodyCrc } : null);
      report.records++;
      at = goodEnd = found.end;
      continue;
    }
    // Damage: find the next place a record starts whose head checks out.
    const next = await resync(reader, at + 1, isLast);
    if (next === null && isLast) {
      // Nothing whole follows: the tail of the file being written at the crash.
      report.tornTailBytes = reader.size - at;
      return goodEnd;
    }
    report.damaged.push({ file, offset: at, bytes: (next ?? reader.size) - at });
    if (next === null) return goodEnd;
    at = next;
  }
  return goodEnd;
}

function resync(reader: WindowReader, from: number, checkBody: boolean): Promise<number | null> {
  return nextIntactRecord(reader, from, MAGIC, async (at) => {
    const found = await recordAt(reader, at, checkBody);
    return found !== null && found !== 'torn';
  });
}

/**
 * Opens the journal in `dir`, replaying every record's meta into `onRecord` first (with where its
 * body is). A torn tail is cut off (it was never acknowledged: acknowledgement waits for the
 * fdatasync of the whole record).
 */
export async function openJournal(
  dir: string,
  onRecord: (meta: unknown, body: BodyRef | null) => void,
  options: { segmentBytes?: number; onWriteError?: (err: Error) => void } = {},
): Promise<{ journal: Journal; report: ReplayReport }> {
  const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  const report: ReplayReport = { records: 0, damaged: [], tornTailBytes: 0 };
  const sizes = new Map<number, number>();
  let lastGoodEnd = 0;
  /**
   * Every segment is held open for reading from the start (and each new one as it is made): if
   * the folder is removed under the daemon, the bodies stay readable for a fresh journal.
   */
  const readers = new Map<number, { handle: Promise<FileHandle>; busy: number; removed: boolean }>();
  for (const [i, file] of files.entries()) {
    const seq = sequenceOf(file);
    const handle = await open(join(dir, file), 'r');
    try {
      lastGoodEnd = await replaySegment(handle, seq, file, i === files.length - 1, onRecord, report);
      sizes.set(seq, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
    readers.set(seq, { handle: Promise.resolve(handle), busy: 0, removed: false });
  }
  let head = files.length === 0 ? 1 : sequenceOf(files.at(-1)!);
  let handle = await open(join(dir, fileName(head)), 'a+', SECRET_FILE_MODE);
  if (report.tornTailBytes > 0) await handle.truncate(lastGoodEnd);
  let size = (await handle.stat()).size;
  let headIno = (await handle.stat()).ino;
  sizes.set(head, size);
  if (files.length === 0) {
    await fsyncDir(dir);
    readers.set(head, { handle: open(join(dir, fileName(head)), 'r'), busy: 0, removed: false });
  }

  type Waiter = { records: Array<{ head: Buffer; body: Buffer | null }>; resolve: (refs: Array<BodyRef | null>) => void; reject: (err: Error) => void };
  let pending: Waiter[] = [];
  let flushing: Promise<void> | null = null;
  /** Every change of the files (a batch, a roll, a removal) runs one after the other. */
  let serial: Promise<unknown> = Promise.resolve();
  let closed = false;
  let broken: Error | null = null;

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = serial.then(task, task);
    serial = run.catch(() => undefined);
    return run;
  }
  let fsyncs = 0;

  async function flushLoop(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await exclusive(() => writeBatch(batch));
    }
    flushing = null;
  }

  async function rollNow(): Promise<void> {
    if (size === 0) return;
    await handle.close();
    head++;
    handle = await open(join(dir, fileName(head)), 'a+', SECRET_FILE_MODE);
    headIno = (await handle.stat()).ino;
    size = 0;
    sizes.set(head, 0);
    readers.set(head, { handle: open(join(dir, fileName(head)), 'r'), busy: 0, removed: false });
    await fsyncDir(dir);
  }

  async function writeBatch(batch: Waiter[]): Promise<void> {
    try {
      if (size >= segmentBytes) await rollNow();
      const buffers: Buffer[] = [];
      const refs: Array<Array<BodyRef | null>> = [];
      let at = size;
      for (const waiter of batch) {
        const mine: Array<BodyRef | null> = [];
        for (const { head: h, body } of waiter.records) {
          buffers.push(h);
          at += h.length;
          if (body) {
            buffers.push(body);
            mine.push({ seq: head, offset: at, length: body.length, crc: h.readUInt32BE(10) });
            at += body.length;
          } else {
            mine.push(null);
          }
        }
        refs.push(mine);
      }
      await writevAll(handle, buffers);
      await handle.datasync();
      fsyncs++;
      size = at;
      sizes.set(head, size);
      batch.forEach((waiter, i) => waiter.resolve(refs[i]!));
    } catch (err) {
      // The file may now end in a partial batch. Cut it back to the last durable size so the
      // next append does not follow garbage; if even that fails, refuse writes from now on.
      await handle.truncate(size).catch(() => {
        broken = err as Error;
      });
      const error = new AppError('AM_OUTBOX_UNAVAILABLE', `cannot write the outbox journal ${fileName(head)}: ${(err as Error).message}`, { cause: err });
      for (const waiter of batch) waiter.reject(error);
      options.onWriteError?.(error);
    }
  }

  function reader(seq: number) {
    let entry = readers.get(seq);
    if (!entry) {
      entry = { handle: open(join(dir, fileName(seq)), 'r'), busy: 0, removed: false };
      readers.set(seq, entry);
    }
    return entry;
  }

  async function release(seq: number): Promise<void> {
    const entry = readers.get(seq);
    if (!entry || entry.busy > 0 || !entry.removed) return;
    readers.delete(seq);
    await (await entry.handle.catch(() => null))?.close();
  }

  const journal: Journal = {
    append(records) {
      if (closed) return Promise.reject(new AppError('AM_CLOSED', 'the outbox is closed'));
      if (broken) return Promise.reject(new AppError('AM_OUTBOX_UNAVAILABLE', `the outbox journal is unusable: ${broken.message}; restart the daemon`));
      return new Promise((resolve, reject) => {
        pending.push({ records: records.map(encode), resolve, reject });
        flushing ??= flushLoop();
      });
    },
    async readBody(ref, prefixBytes = 0) {
      const entry = reader(ref.seq);
      entry.busy++;
      try {
        const file = await entry.handle;
        const buffer = Buffer.alloc(prefixBytes + ref.length);
        let read = 0;
        while (read < ref.length) {
          const { bytesRead } = await file.read(buffer, prefixBytes + read, ref.length - read, ref.offset + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        if (read < ref.length || crc32(buffer.subarray(prefixBytes)) !== ref.crc) {
          throw new AppError('AM_OUTBOX_CORRUPT', `the stored message in ${fileName(ref.seq)} at offset ${ref.offset} is damaged (${read < ref.length ? 'cut short' : 'CRC mismatch'})`);
        }
        return buffer;
      } finally {
        entry.busy--;
        void release(ref.seq);
      }
    },
    segments: () => [...sizes.entries()].sort((a, b) => a[0] - b[0]).map(([seq, bytes]) => ({ seq, bytes })),
    roll: () => exclusive(rollNow),
    removeSegment(seq) {
      return exclusive(async () => {
        if (seq === head || !sizes.has(seq)) return;
        await unlink(join(dir, fileName(seq)));
        await fsyncDir(dir);
        sizes.delete(seq);
        if (readers.has(seq)) {
          readers.get(seq)!.removed = true;
          await release(seq);
        }
      });
    },
    sizeBytes: () => [...sizes.values()].reduce((a, b) => a + b, 0),
    fsyncCount: () => fsyncs,
    async checkIdentity() {
      if (closed) return null;
      const name = join(dir, fileName(head));
      const opened = await handle.stat().catch(() => null);
      if (opened && opened.nlink === 0) return `the journal file ${name} was removed`;
      const current = await stat(name).catch(() => null);
      if (current === null) return `the journal file ${name} is gone`;
      return current.ino === headIno ? null : `the journal file ${name} was replaced by another file`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await flushing;
      await serial;
      await handle.close();
      for (const [seq, entry] of readers) {
        readers.delete(seq);
        await (await entry.handle.catch(() => null))?.close();
      }
    },
  };
  return { journal, report };
}

async function writevAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  // writev takes at most IOV_MAX (1024) buffers at a time, and may write less than asked.
  while (rest.length > 0) {
    const chunk = rest.slice(0, 1024);
    const total = chunk.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await handle.writev(chunk);
    if (bytesWritten === total) {
      rest = rest.slice(chunk.length);
      continue;
    }
    let skip = bytesWritten;
    const left: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        left.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = left;
  }
}

function sequenceOf(file: string): number {
  return Number(FILE_PATTERN.exec(file)![1]);
}

function fileName(sequence: number): string {
  return `journal-${String(sequence).padStart(8, '0')}.log`;
}
