/**
 * The outbox's append-only journal. Every record is framed (magic, length, CRC-32) so that a torn
 * tail or a damaged record is found and skipped without losing the intact records around it.
 * Appends are group-committed: records that arrive while an fdatasync runs are written together
 * by the next one, so the cost per record falls as the load rises and does not grow with the
 * backlog.
 */
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppError } from '../errors/registry.js';
import { fsyncDir, SECRET_FILE_MODE } from '../util/durable-file.js';

const MAGIC = 0xa54d; // "¥M": marks the start of a record, for resynchronising after damage
const HEADER_BYTES = 10; // magic (2) + length (4) + crc32 (4)
/** A record larger than this is damage, not data (messages are capped far below it). */
const MAX_RECORD_BYTES = 128 * 1024 * 1024;
const FILE_PATTERN = /^journal-(\d{8})\.log$/;

export interface ReplayReport {
  records: number;
  /** Byte ranges that could not be read as records and were skipped. */
  damaged: Array<{ file: string; offset: number; bytes: number }>;
  /** Bytes at the end of the last file that were a torn (half-written) record. */
  tornTailBytes: number;
}

export interface Journal {
  /** Appends records; resolves once they are on disk (fdatasync). */
  append(records: readonly unknown[]): Promise<void>;
  /**
   * Replaces the whole journal by the records `snapshot` returns (compaction), atomically. The
   * snapshot is taken once every acknowledged record is in it; records appended meanwhile are
   * written to the new file after it.
   */
  rewrite(snapshot: () => readonly unknown[]): Promise<void>;
  sizeBytes(): number;
  /** fdatasyncs of appended batches since open: shows appends are grouped (tests, metrics). */
  fsyncCount(): number;
  close(): Promise<void>;
}

export function frame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(MAGIC, 0);
  header.writeUInt32BE(payload.length, 2);
  header.writeUInt32BE(crc32(payload), 6);
  return Buffer.concat([header, payload]);
}

/** Parses framed records from a buffer; damaged spans are skipped and reported. */
function parseRecords(data: Buffer, file: string, onRecord: (record: unknown) => void, report: ReplayReport, isLastFile: boolean): number {
  let offset = 0;
  let goodEnd = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const length = data.readUInt32BE(offset + 2);
    const valid = data.readUInt16BE(offset) === MAGIC && length <= MAX_RECORD_BYTES;
    if (valid && offset + HEADER_BYTES + length > data.length && isLastFile) break; // torn tail
    if (valid && offset + HEADER_BYTES + length <= data.length) {
      const payload = data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
      if (crc32(payload) === data.readUInt32BE(offset + 6)) {
        let record: unknown;
        try {
          record = JSON.parse(payload.toString('utf8'));
        } catch {
          record = undefined;
        }
        if (record !== undefined) {
          onRecord(record);
          report.records++;
          offset += HEADER_BYTES + length;
          goodEnd = offset;
          continue;
        }
      }
    }
    // Damage: find the next place a record starts and whose CRC checks out.
    const next = resync(data, offset + 1);
    report.damaged.push({ file, offset, bytes: (next ?? data.length) - offset });
    if (next === null) return goodEnd;
    offset = next;
  }
  if (offset < data.length && isLastFile) report.tornTailBytes = data.length - offset;
  else if (offset < data.length) report.damaged.push({ file, offset, bytes: data.length - offset });
  return goodEnd;
}

function resync(data: Buffer, from: number): number | null {
  for (let at = from; at + HEADER_BYTES <= data.length; at++) {
    if (data.readUInt16BE(at) !== MAGIC) continue;
    const length = data.readUInt32BE(at + 2);
    if (length > MAX_RECORD_BYTES || at + HEADER_BYTES + length > data.length) continue;
    if (crc32(data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)) === data.readUInt32BE(at + 6)) return at;
  }
  return null;
}

/**
 * Opens the journal in `dir`, replaying every record into `onRecord` first. A torn tail is cut
 * off (it was never acknowledged: acknowledgement waits for the fdatasync of the whole record).
 */
export async function openJournal(dir: string, onRecord: (record: unknown) => void): Promise<{ journal: Journal; report: ReplayReport }> {
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  const report: ReplayReport = { records: 0, damaged: [], tornTailBytes: 0 };
  let lastGoodEnd = 0;
  for (const [i, file] of files.entries()) {
    const handle = await open(join(dir, file), 'r');
    try {
      const data = await handle.readFile();
      lastGoodEnd = parseRecords(data, file, onRecord, report, i === files.length - 1);
    } finally {
      await handle.close();
    }
  }
  let sequence = files.length === 0 ? 1 : Number(FILE_PATTERN.exec(files.at(-1)!)![1]);
  let current = join(dir, fileName(sequence));
  let handle = await open(current, 'a+', SECRET_FILE_MODE);
  if (report.tornTailBytes > 0) await handle.truncate(lastGoodEnd);
  let size = (await handle.stat()).size;
  if (files.length === 0) await fsyncDir(dir);

  let pending: Buffer[] = [];
  let waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  let flushing: Promise<void> | null = null;
  let rewriting: Promise<void> | null = null;
  let writing: Promise<void> | null = null;
  let closed = false;
  let broken: Error | null = null;
  let fsyncs = 0;

  async function flushLoop(): Promise<void> {
    while (pending.length > 0) {
      // Records that arrive during a rewrite go to the new file, after the snapshot.
      while (rewriting) await rewriting;
      const batch = Buffer.concat(pending);
      const batchWaiters = waiters;
      pending = [];
      waiters = [];
      writing = writeBatch(batch, batchWaiters);
      await writing;
      writing = null;
    }
    flushing = null;
  }

  async function writeBatch(batch: Buffer, batchWaiters: typeof waiters): Promise<void> {
    try {
      await writeAll(handle, batch);
      await handle.datasync();
      fsyncs++;
      size += batch.length;
      for (const w of batchWaiters) w.resolve();
    } catch (err) {
      // The file may now end in a partial batch. Cut it back to the last durable size so the
      // next append does not follow garbage; if even that fails, refuse writes from now on.
      await handle.truncate(size).catch(() => {
        broken = err as Error;
      });
      const error = new AppError('AM_OUTBOX_UNAVAILABLE', `cannot write the outbox journal ${current}: ${(err as Error).message}`, { cause: err });
      for (const w of batchWaiters) w.reject(error);
    }
  }

  const journal: Journal = {
    append(records) {
      if (closed) return Promise.reject(new AppError('AM_CLOSED', 'the outbox is closed'));
      if (broken) return Promise.reject(new AppError('AM_OUTBOX_UNAVAILABLE', `the outbox journal is unusable: ${broken.message}; restart the daemon`));
      return new Promise<void>((resolve, reject) => {
        for (const record of records) pending.push(frame(record));
        waiters.push({ resolve, reject });
        flushing ??= flushLoop();
      });
    },
    async rewrite(snapshot) {
      if (rewriting) return;
      // Set before any await: from here on, no new batch starts until the rewrite is done.
      let done!: () => void;
      rewriting = new Promise((resolve) => (done = resolve));
      try {
        while (writing) await writing;
        // Let the submitters of the last batch record it in memory, so the snapshot has it.
        await new Promise((resolve) => setImmediate(resolve));
        await replaceFile(snapshot());
      } finally {
        rewriting = null;
        done();
      }
    },
    sizeBytes: () => size,
    fsyncCount: () => fsyncs,
    async close() {
      closed = true;
      await rewriting;
      await flushing;
      await handle.close();
    },
  };

  async function replaceFile(records: readonly unknown[]): Promise<void> {
    const nextSequence = sequence + 1;
    const nextPath = join(dir, fileName(nextSequence));
    const temp = `${nextPath}.tmp`;
    const out = await open(temp, 'w', SECRET_FILE_MODE);
    try {
      await writeAll(out, Buffer.concat(records.map(frame)));
      await out.datasync();
    } finally {
      await out.close();
    }
    // A crash from here on leaves both files; replaying both is harmless (records are
    // idempotent and the newer file comes last).
    await rename(temp, nextPath);
    await fsyncDir(dir);
    await handle.close();
    const old = current;
    sequence = nextSequence;
    current = nextPath;
    handle = await open(current, 'a+', SECRET_FILE_MODE);
    size = (await handle.stat()).size;
    await unlink(old);
    await fsyncDir(dir);
  }
  return { journal, report };
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

function fileName(sequence: number): string {
  return `journal-${String(sequence).padStart(8, '0')}.log`;
}
