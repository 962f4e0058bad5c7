/**
 * A read-only decoder of the outbox journal written by version 0.1.0, kept only to migrate it
 * (see legacy-migration.ts). There a record was
 *
 *   magic 0xa54d (2) | payload length (4) | payload CRC-32 (4) | payload (JSON)
 *
 * and the payload a whole state change: `{t:'enq', m: message}` with the message's text and HTML,
 * or sent, defer, dead, requeue, drop by id. Damage is skipped as the old reader did (resync on
 * the next record whose CRC checks out); a torn tail in the last file was never acknowledged.
 * Files are read through a window, a record at a time: a journal of gigabytes (the old daemon
 * held it all in memory) is migrated in bounded memory.
 */
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { nextIntactRecord, WindowReader } from './window-reader.js';

const LEGACY_MAGIC = 0xa54d;
const HEADER_BYTES = 10;
/** The old reader's bound: a larger length is damage, not data. */
const MAX_RECORD_BYTES = 128 * 1024 * 1024;

/** A message as version 0.1.0 stored it: the submission itself, rendered only when sent. */
export interface LegacyMessage {
  id: string;
  kind: string;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  createdAt: number;
  idempotencyKey: string | null;
}

/** A message still to send (or dead) once the whole old journal is replayed. */
export interface LegacyEntry {
  /** Where its 'enq' record is, to read the message back when it is copied. */
  file: string;
  offset: number;
  state: 'queued' | 'deferred' | 'dead';
  to: string[];
  attempts: number;
  nextAt: number;
  error: string | null;
}

export interface LegacyReplay {
  /** By id, in the order they were accepted. */
  live: Map<string, LegacyEntry>;
  records: number;
  damagedBytes: number;
  tornTailBytes: number;
}

type LegacyRecord =
  | { t: 'enq'; m: LegacyMessage }
  | { t: 'sent' | 'drop'; id: string }
  | { t: 'defer'; id: string; attempts: number; nextAt: number; error: string }
  | { t: 'dead'; id: string; attempts: number; error: string; to: string[] }
  | { t: 'requeue'; id: string };

/** Whether `path` was written by version 0.1.0: its first record, or the first intact one, is old. */
export async function isLegacyJournal(path: string, currentMagic: number): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < 2) return false;
    const start = Buffer.alloc(2);
    await handle.read(start, 0, 2, 0);
    const magic = start.readUInt16BE(0);
    if (magic === LEGACY_MAGIC) return true;
    if (magic === currentMagic) return false;
    // Damage at the very start: old if an intact old record follows.
    return (await nextRecord(new WindowReader(handle, size), 0)) !== null;
  } finally {
    await handle.close();
  }
}

/** Replays the old files (oldest first) as version 0.1.0 did, keeping where each live message is. */
export async function replayLegacy(files: readonly string[]): Promise<LegacyReplay> {
  const replay: LegacyReplay = { live: new Map(), records: 0, damagedBytes: 0, tornTailBytes: 0 };
  for (const [i, file] of files.entries()) {
    const handle = await open(file, 'r');
    try {
      const reader = new WindowReader(handle, (await handle.stat()).size);
      let at = 0;
      while (at < reader.size) {
        const found = await recordAt(reader, at);
        if (found === 'torn' && i === files.length - 1) {
          replay.tornTailBytes = reader.size - at;
          break;
        }
        if (found !== null && found !== 'torn') {
          apply(replay.live, found.record as LegacyRecord, file, at);
          replay.records++;
          at = found.end;
          continue;
        }
        const next = await nextRecord(reader, at + 1);
        replay.damagedBytes += (next ?? reader.size) - at;
        if (next === null) break;
        at = next;
      }
    } finally {
      await handle.close();
    }
  }
  return replay;
}

/** The message of the 'enq' record at `offset` of `file` (as found by replayLegacy). */
export async function readLegacyMessage(file: string, offset: number): Promise<LegacyMessage> {
  const handle = await open(file, 'r');
  try {
    const found = await recordAt(new WindowReader(handle, (await handle.stat()).size), offset);
    if (found === null || found === 'torn' || (found.record as LegacyRecord).t !== 'enq') {
      throw new Error(`no intact message record at offset ${offset} of ${file}`);
    }
    return (found.record as { m: LegacyMessage }).m;
  } finally {
    await handle.close();
  }
}

/** Version 0.1.0's replay rules, record by record (a requeue set the attempts back to 0 then). */
function apply(live: Map<string, LegacyEntry>, record: LegacyRecord, file: string, offset: number): void {
  if (record.t === 'enq') {
    if (!live.has(record.m.id)) live.set(record.m.id, { file, offset, state: 'queued', to: [...record.m.to], attempts: 0, nextAt: 0, error: null });
    return;
  }
  const entry = live.get(record.id);
  if (!entry) return;
  switch (record.t) {
    case 'sent':
    case 'drop':
      live.delete(record.id);
      return;
    case 'defer':
      Object.assign(entry, { state: 'deferred', attempts: record.attempts, nextAt: record.nextAt, error: record.error });
      return;
    case 'dead':
      Object.assign(entry, { state: 'dead', attempts: record.attempts, error: record.error, to: record.to, nextAt: 0 });
      return;
    case 'requeue':
      Object.assign(entry, { state: 'queued', attempts: 0, nextAt: 0 });
      return;
  }
}

async function recordAt(reader: WindowReader, at: number): Promise<{ record: unknown; end: number } | 'torn' | null> {
  if (at + HEADER_BYTES > reader.size) return 'torn';
  const header = Buffer.from(await reader.read(at, HEADER_BYTES));
  const length = header.readUInt32BE(2);
  if (header.readUInt16BE(0) !== LEGACY_MAGIC || length > MAX_RECORD_BYTES) return null;
  const end = at + HEADER_BYTES + length;
  if (end > reader.size) return 'torn';
  const payload = await reader.read(at + HEADER_BYTES, length);
  if (crc32(payload) !== header.readUInt32BE(6)) return null;
  try {
    return { record: JSON.parse(payload.toString('utf8')), end };
  } catch {
    return null;
  }
}

/** The next offset from `from` where an intact old record starts, or null. */
function nextRecord(reader: WindowReader, from: number): Promise<number | null> {
  return nextIntactRecord(reader, from, LEGACY_MAGIC, async (at) => {
    const found = await recordAt(reader, at);
    return found !== null && found !== 'torn';
  });
}
