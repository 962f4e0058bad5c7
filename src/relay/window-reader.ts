/**
 * Reading a journal file record by record, for the journal's replay and for the decoder of the
 * 0.1.0 journals: small records come from a window in memory, large bodies are skipped, and a
 * damaged stretch is stepped over by looking for the next intact record.
 */
import type { FileHandle } from 'node:fs/promises';

export const READ_WINDOW_BYTES = 1024 * 1024;
/**
 * What is read after a jump of a window or more past a body: the next record's head and meta are
 * small, and a whole window there would read a megabyte of the next body for nothing (1 GB for the
 * heads of 1,000 messages of 5 MB, half a second of a restart). Shorter jumps keep whole windows:
 * with bodies of 1-500 KB each small read would be followed by another (10-15x the reads).
 */
const AFTER_JUMP_BYTES = 64 * 1024;

export class WindowReader {
  private start = 0;
  private data: Buffer = Buffer.alloc(0);
  /**
   * What a read returns lives here until the next read. A replay of many segments passes one
   * buffer for all of them: a fresh megabyte per segment cost a restart on 80 segments of large
   * messages ~15 % of its time (page faults and collections).
   */
  private readonly window: Buffer;
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    window?: Buffer,
  ) {
    this.window = window ?? Buffer.allocUnsafe(READ_WINDOW_BYTES);
  }

  /** `length` bytes at `position` (fewer at the end of the file); valid until the next read. */
  async read(position: number, length: number): Promise<Buffer> {
    if (position >= this.start && position + length <= this.start + this.data.length) {
      return this.data.subarray(position - this.start, position - this.start + length);
    }
    const jumped = position - (this.start + this.data.length) >= READ_WINDOW_BYTES;
    const want = Math.min(Math.max(length, jumped ? AFTER_JUMP_BYTES : READ_WINDOW_BYTES), this.size - position);
    // A large record gets a buffer of its own: the window does not keep it once passed.
    const buffer = want <= this.window.length ? this.window : Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(buffer, got, want - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.start = position;
    this.data = buffer.subarray(0, got);
    return this.data.subarray(0, Math.min(length, got));
  }
}

/**
 * The next offset from `from` where `magic` starts a record that `isRecord` finds intact, or null:
 * how a replay steps over damage without losing the records after it.
 */
export async function nextIntactRecord(reader: WindowReader, from: number, magic: number, isRecord: (at: number) => Promise<boolean>): Promise<number | null> {
  const bytes = Buffer.from([magic >> 8, magic & 0xff]);
  for (let chunkAt = from; chunkAt < reader.size - 1; chunkAt += READ_WINDOW_BYTES) {
    const chunk = Buffer.from(await reader.read(chunkAt, Math.min(READ_WINDOW_BYTES + 1, reader.size - chunkAt)));
    for (let i = chunk.indexOf(bytes); i >= 0 && i < READ_WINDOW_BYTES; i = chunk.indexOf(bytes, i + 1)) {
      if (await isRecord(chunkAt + i)) return chunkAt + i;
    }
  }
  return null;
}
