/**
 * The outbox's append-only journal, in segments (journal-NNNNNNNN.log); the bytes of a record
 * and their replay are in journal-format.ts. A body is read back (pread) when it is sent and
 * checked against its CRC then (journal-readers.ts).
 *
 * Appends are group-committed: records that arrive while an fdatasync runs are written together
 * by the next one. When the head segment is full, the next batch opens a new one; a segment whose
 * messages are all finished or copied forward is deleted whole (see the outbox's compaction).
 */
import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import { fsyncDir, SECRET_FILE_MODE } from '../util/durable-file.js';
import { encode, FILE_PATTERN, fileName, replaySegment, sequenceOf, writevAll, type BodyRef, type JournalRecord, type ReplayReport } from './journal-format.js';
import { createSegmentReaders, type SegmentReaders } from './journal-readers.js';
import { READ_WINDOW_BYTES } from './window-reader.js';

export { FILE_PATTERN, frame, HEAD_BYTES, MAGIC, type BodyRef, type JournalRecord, type ReplayReport } from './journal-format.js';

/** A new segment starts once the head is this large: compaction then works a segment at a time. */
export const SEGMENT_BYTES = 64 * 1024 * 1024;

/** The end of the journal's last durable record: where a snapshot of the index stops. */
export interface JournalPosition {
  seq: number;
  offset: number;
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
  /** Where the next record will be written; everything before it is on disk. */
  position(): JournalPosition;
  /** True when no append waits or is being written. */
  idle(): boolean;
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


/**
 * Replays every segment in `dir` (oldest first) after `from`, holding each open for reading;
 * where the last good record ends. Segments before `from` are opened for their bodies, not read.
 */
async function replayFiles(dir: string, files: string[], onRecord: (meta: unknown, body: BodyRef | null) => void, readers: SegmentReaders, from: JournalPosition) {
  const report: ReplayReport = { records: 0, damaged: [], tornTailBytes: 0 };
  const sizes = new Map<number, number>();
  let lastGoodEnd = 0;
  const window = Buffer.allocUnsafe(READ_WINDOW_BYTES);
  for (const [i, file] of files.entries()) {
    const seq = sequenceOf(file);
    const handle = await open(join(dir, file), 'r');
    try {
      if (seq >= from.seq) lastGoodEnd = await replaySegment(handle, seq, file, i === files.length - 1, onRecord, report, window, seq === from.seq ? from.offset : 0);
      sizes.set(seq, (await handle.stat()).size);
    } catch (err) {
      await handle.close();
      throw err;
    }
    readers.hold(seq, handle);
  }
  return { report, sizes, lastGoodEnd };
}

type Encoded = ReturnType<typeof encode>;

/** Tasks run one after the other, each once the one before has settled. */
function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const run = last.then(task, task);
      last = run.catch(() => undefined);
      return run;
    },
    settled: () => last,
  };
}

/** Lays a batch out after `from` in segment `seq`: the buffers to write, where each body lands, and the new end. */
function layout(batch: ReadonlyArray<{ records: Encoded[] }>, seq: number, from: number) {
  const buffers: Buffer[] = [];
  const refs: Array<Array<BodyRef | null>> = [];
  let at = from;
  for (const waiter of batch) {
    const mine: Array<BodyRef | null> = [];
    for (const { head, body } of waiter.records) {
      buffers.push(head);
      at += head.length;
      if (body) {
        buffers.push(body);
        mine.push({ seq, offset: at, length: body.length, crc: head.readInt32BE(10) });
        at += body.length;
      } else {
        mine.push(null);
      }
    }
    refs.push(mine);
  }
  return { buffers, refs, end: at };
}

/** What became of the head file since it was opened, in words; null when it is still there. */
async function headChanged(name: string, handle: FileHandle, ino: number): Promise<string | null> {
  const opened = await handle.stat().catch(() => null);
  if (opened && opened.nlink === 0) return `the journal file ${name} was removed`;
  const current = await stat(name).catch(() => null);
  if (current === null) return `the journal file ${name} is gone`;
  return current.ino === ino ? null : `the journal file ${name} was replaced by another file`;
}

/**
 * Opens the journal in `dir`, replaying every record's meta into `onRecord` first (with where its
 * body is), or those after `from` (what a snapshot of the index did not hold). A torn tail is cut off (it was never acknowledged: acknowledgement waits for the
 * fdatasync of the whole record). `onWriteError` hears of every failed write (the outbox then
 * checks that its folder is still there).
 */
export async function openJournal(
  dir: string,
  onRecord: (meta: unknown, body: BodyRef | null) => void,
  options: { segmentBytes?: number | undefined; onWriteError?: (err: Error) => void; from?: JournalPosition } = {},
): Promise<{ journal: Journal; report: ReplayReport }> {
  const segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  const readers = createSegmentReaders(dir);
  const { report, sizes, lastGoodEnd } = await replayFiles(dir, files, onRecord, readers, options.from ?? { seq: 0, offset: 0 });
  let head = files.length === 0 ? 1 : sequenceOf(files.at(-1)!);
  let handle: FileHandle = await open(join(dir, fileName(head)), 'a+', SECRET_FILE_MODE);
  if (report.tornTailBytes > 0) await handle.truncate(lastGoodEnd);
  let { size, ino: headIno } = await handle.stat();
  sizes.set(head, size);
  if (files.length === 0) {
    await fsyncDir(dir);
    readers.hold(head);
  }

  type Waiter = { records: Encoded[]; resolve: (refs: Array<BodyRef | null>) => void; reject: (err: Error) => void };
  let pending: Waiter[] = [];
  let flushing: Promise<void> | null = null;
  /** Every change of the files (a batch, a roll, a removal) runs one after the other. */
  const { run: exclusive, settled } = oneAtATime();
  let closed = false;
  let broken: Error | null = null;
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
    const next = await open(join(dir, fileName(head + 1)), 'a+', SECRET_FILE_MODE);
    const { ino } = await next.stat();
    // Switched in one step: a checkIdentity in between must never see the new name with the old inode.
    const old = handle;
    [head, handle, headIno, size] = [head + 1, next, ino, 0];
    sizes.set(head, 0);
    readers.hold(head);
    await old.close();
    await fsyncDir(dir);
  }

  async function checkIdentity(): Promise<string | null> {
    const seq = head;
    const verdict = await headChanged(join(dir, fileName(seq)), handle, headIno);
    // A head that rolled while we looked was ours to change (and its old file ours to delete).
    return seq === head ? verdict : null;
  }

  async function writeBatch(batch: Waiter[]): Promise<void> {
    try {
      if (size >= segmentBytes) await rollNow();
      const { buffers, refs, end } = layout(batch, head, size);
      await writevAll(handle, buffers);
      await handle.datasync();
      fsyncs++;
      size = end;
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

  const journal: Journal = {
    append(records) {
      if (closed) return Promise.reject(new AppError('AM_CLOSED', 'the outbox is closed'));
      if (broken) return Promise.reject(new AppError('AM_OUTBOX_UNAVAILABLE', `the outbox journal is unusable: ${broken.message}; restart the daemon`));
      return new Promise((resolve, reject) => {
        pending.push({ records: records.map(encode), resolve, reject });
        flushing ??= flushLoop();
      });
    },
    readBody: (ref, prefixBytes = 0) => readers.readBody(ref, prefixBytes),
    segments: () => [...sizes.entries()].sort((a, b) => a[0] - b[0]).map(([seq, bytes]) => ({ seq, bytes })),
    roll: () => exclusive(rollNow),
    removeSegment(seq) {
      return exclusive(async () => {
        if (seq === head || !sizes.has(seq)) return;
        await unlink(join(dir, fileName(seq)));
        await fsyncDir(dir);
        sizes.delete(seq);
        await readers.removed(seq);
      });
    },
    sizeBytes: () => [...sizes.values()].reduce((a, b) => a + b, 0),
    position: () => ({ seq: head, offset: size }),
    idle: () => pending.length === 0 && flushing === null,
    fsyncCount: () => fsyncs,
    checkIdentity: () => (closed ? Promise.resolve(null) : checkIdentity()),
    async close() {
      if (closed) return;
      closed = true;
      await flushing;
      await settled();
      await handle.close();
      await readers.closeAll();
    },
  };
  return { journal, report };
}
