/**
 * The journal's segments held open for reading. Each is opened when it is made (or replayed) and
 * kept open until it is removed: if the folder is removed under the daemon, the bodies stay
 * readable for a fresh journal (outbox-fresh-journal.ts). A segment removed while a body is
 * being read from it is closed once the read is done.
 */
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppError } from '../errors/registry.js';
import { fileName, type BodyRef } from './journal-format.js';

/**
 * A body up to this size is read synchronously: it was just written and sits in the page cache,
 * and a pread of it costs ~5 us of CPU where the thread pool's round trip costs ~40-90 us (7.5 %
 * of the daemon's CPU when relaying small alerts: docs/PROFILE-relay.md). Larger ones go
 * through the pool so that a digest of megabytes never holds the event loop.
 */
const SYNC_READ_BYTES = 64 * 1024;

export interface SegmentReaders {
  /** Keeps `handle` (or opens the segment) as the reader of `seq`. */
  hold(seq: number, handle?: FileHandle): void;
  readBody(ref: BodyRef, prefixBytes: number): Promise<Buffer>;
  /** The segment is deleted: its reader closes once no read uses it. */
  removed(seq: number): Promise<void>;
  closeAll(): Promise<void>;
}

export function createSegmentReaders(dir: string): SegmentReaders {
  const readers = new Map<number, { handle: Promise<FileHandle>; busy: number; removed: boolean }>();

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

  return {
    hold(seq, handle) {
      const opened = handle ? Promise.resolve(handle) : open(join(dir, fileName(seq)), 'r');
      // A failure is seen by the first read of this segment, not as an unhandled rejection.
      opened.catch(() => undefined);
      readers.set(seq, { handle: opened, busy: 0, removed: false });
    },
    async readBody(ref, prefixBytes) {
      const entry = reader(ref.seq);
      entry.busy++;
      try {
        const file = await entry.handle;
        const buffer = Buffer.alloc(prefixBytes + ref.length);
        let read = 0;
        while (read < ref.length) {
          const [at, length, position] = [prefixBytes + read, ref.length - read, ref.offset + read];
          const bytesRead = ref.length <= SYNC_READ_BYTES ? readSync(file.fd, buffer, at, length, position) : (await file.read(buffer, at, length, position)).bytesRead;
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        if (read < ref.length || (crc32(buffer.subarray(prefixBytes)) | 0) !== ref.crc) {
          throw new AppError('AM_OUTBOX_CORRUPT', `the stored message in ${fileName(ref.seq)} at offset ${ref.offset} is damaged (${read < ref.length ? 'cut short' : 'CRC mismatch'})`);
        }
        return buffer;
      } finally {
        entry.busy--;
        void release(ref.seq);
      }
    },
    async removed(seq) {
      const entry = readers.get(seq);
      if (!entry) return;
      entry.removed = true;
      await release(seq);
    },
    async closeAll() {
      for (const [seq, entry] of readers) {
        readers.delete(seq);
        await (await entry.handle.catch(() => null))?.close();
      }
    },
  };
}
