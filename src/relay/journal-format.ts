/**
 * The outbox journal's bytes: how a record is framed, and how a segment is read back (replay).
 * A record is a short metadata section (JSON: what the index needs) and an optional body (the
 * rendered message):
 *
 *   magic (2) | meta length (4) | body length (4) | body CRC-32 (4) | head CRC-32 (4) | meta | body
 *
 * The head CRC covers the first 14 bytes and the meta, so replay checks every record's framing
 * and index fields without reading its body: it seeks over bodies, and start-up does not grow
 * with the bytes queued. A torn tail (a half-written last record, never acknowledged) is found;
 * a damaged record is skipped and the records after it kept. In the last segment, written just
 * before a crash, bodies are checked at replay too (bounded by the segment size).
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { nextIntactRecord, READ_WINDOW_BYTES, WindowReader } from './window-reader.js';

/** Marks the start of a record, for resynchronising after damage (version 0.1.0 used 0xa54d). */
export const MAGIC = 0xa54e;
export const HEAD_BYTES = 18;
/** Index fields are short; anything larger is damage, not data. */
const MAX_META_BYTES = 64 * 1024;
/** Messages are capped far below this (relay.maxMessageBytes); a larger length is damage. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** A segment's file name: journal-NNNNNNNN.log, oldest first by name. */
export const FILE_PATTERN = /^journal-(\d{8})\.log$/;

/** Where a record's body lies: segment, offset, length and CRC, enough to read and check it. */
export interface BodyRef {
  seq: number;
  offset: number;
  length: number;
  /**
   * The body's CRC-32 read as a signed 32-bit number: a small integer to V8, where the unsigned
   * form above 2^31 would be a heap number per queued message.
   */
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

/** One record as bytes: the head and meta in one buffer, the body kept apart (not copied). */
export function encode(record: JournalRecord): { head: Buffer; body: Buffer | null } {
  const meta = Buffer.from(JSON.stringify(record.meta), 'utf8');
  const body = record.body && record.body.length > 0 ? record.body : null;
  const head = Buffer.alloc(HEAD_BYTES + meta.length);
  head.writeUInt16BE(MAGIC, 0);
  head.writeUInt32BE(meta.length, 2);
  head.writeUInt32BE(body?.length ?? 0, 6);
  head.writeUInt32BE(body ? crc32(body) : 0, 10);
  meta.copy(head, HEAD_BYTES);
  head.writeUInt32BE(headCrc(crc32(head.subarray(0, 14)), meta), 14);
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

/** The head CRC: the 14 fixed bytes (their CRC given), then the meta. */
function headCrc(fixedCrc: number, meta: Buffer): number {
  return crc32(meta, fixedCrc);
}

type Parsed = { meta: unknown; end: number; bodyOffset: number; bodyLength: number; bodyCrc: number };

/** The record at `at`, if its framing and head CRC check out (and its body, when asked). */
async function recordAt(reader: WindowReader, at: number, checkBody: boolean): Promise<Parsed | 'torn' | null> {
  if (at + HEAD_BYTES > reader.size) return 'torn';
  // Everything is taken from the head before the meta is read: that read may reuse its window.
  const head = await reader.read(at, HEAD_BYTES);
  if (head.readUInt16BE(0) !== MAGIC) return null;
  const metaLength = head.readUInt32BE(2);
  const bodyLength = head.readUInt32BE(6);
  const bodyCrc = head.readUInt32BE(10);
  const expectedHeadCrc = head.readUInt32BE(14);
  const fixedCrc = crc32(head.subarray(0, 14));
  if (metaLength > MAX_META_BYTES || bodyLength > MAX_BODY_BYTES) return null;
  const end = at + HEAD_BYTES + metaLength + bodyLength;
  if (at + HEAD_BYTES + metaLength > reader.size) return 'torn';
  const meta = await reader.read(at + HEAD_BYTES, metaLength);
  if (headCrc(fixedCrc, meta) !== expectedHeadCrc) return null;
  if (end > reader.size) return 'torn';
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    return null;
  }
  const bodyOffset = at + HEAD_BYTES + metaLength;
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
export async function replaySegment(
  handle: FileHandle,
  seq: number,
  file: string,
  isLast: boolean,
  onRecord: (meta: unknown, body: BodyRef | null) => void,
  report: ReplayReport,
  /** READ_WINDOW_BYTES, shared by the segments of one replay (they are read one after another). */
  window: Buffer,
  /** Where to start: a record's start (the end of what a snapshot of the index holds), or 0. */
  from = 0,
): Promise<number> {
  const reader = new WindowReader(handle, (await handle.stat()).size, window);
  let at = from;
  let goodEnd = from;
  while (at < reader.size) {
    const found = await recordAt(reader, at, isLast);
    if (found !== null && found !== 'torn') {
      onRecord(found.meta, found.bodyLength > 0 ? { seq, offset: found.bodyOffset, length: found.bodyLength, crc: found.bodyCrc | 0 } : null);
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

export async function writevAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
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

export function sequenceOf(file: string): number {
  return Number(FILE_PATTERN.exec(file)![1]);
}

export function fileName(sequence: number): string {
  return `journal-${String(sequence).padStart(8, '0')}.log`;
}
