/**
 * Reading a journal file record by record, for the journal's replay and for the decoder of the
 * 0.1.0 journals: small records come from a window in memory, large bodies are skipped, and a
 * damaged stretch is stepped over by looking for the next intact record.
 */
import type { FileHandle } from 'node:fs/promises';

export const READ_WINDOW_BYTES = 1024 * 1024;

export class WindowReader {
  private start = 0;
  private data = Buffer.alloc(0);
  /** One buffer for the whole replay: what a read returns is valid until the next read. */
  private readonly window = Buffer.allocUnsafe(READ_WINDOW_BYTES);
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** `length` bytes at `position` (fewer at the end of the file); valid until the next read. */
  async read(position: number, length: number): Promise<Buffer> {
    if (position >= this.start && position + length <= this.start + this.data.length) {
      return this.data.subarray(position - this.start, position - this.start + length);
    }
    const want = Math.min(Math.max(length, READ_WINDOW_BYTES), this.size - position);
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
