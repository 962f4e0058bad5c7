/**
 * The outbox's index, pure and in memory: every message not yet sent (id, kind, state, envelope,
 * size, where its body lies, never the body), rebuilt by applying the journal's records in order.
 * It keeps the sums the other parts ask for: bytes per lane (room), live journal bytes per segment
 * (compaction), and tells the scheduler and the idempotency keys of every change.
 */
import { HEAD_BYTES, type BodyRef } from './journal.js';
import type { Idempotency } from './outbox-idempotency.js';
import type { EnqueueRecord, Entry, EntryState, OutboxRecord, Progress } from './outbox-records.js';
import { laneOf, LANES, type Lane } from './outbox-room.js';
import type { Scheduler } from './outbox-scheduler.js';
import { createInterner, createStringInterner } from '../util/interner.js';

/** A message's index record and framing, near enough, for the live share of a segment. */
const RECORD_OVERHEAD_BYTES = HEAD_BYTES + 200;

export interface IndexCounts {
  queued: number;
  deferred: number;
  dead: number;
  /** Bytes of the stored messages (queued, deferred and dead), what relay.maxOutboxBytes bounds. */
  bytes: number;
}

export interface OutboxIndex {
  /** Applies one journal record; `body` is where its body landed (enqueue records). */
  apply(record: OutboxRecord, body: BodyRef | null): void;
  get(id: string): Entry | undefined;
  has(id: string): boolean;
  entries(): IterableIterator<Entry>;
  readonly size: number;
  counts(): IndexCounts;
  /** Bytes of the stored messages, without counting entries (asked at every submission). */
  storedBytes(): number;
  bytesByLane(): Record<Lane, number>;
  /** Journal bytes of live messages, per segment. */
  liveBytes(): number;
  /** A segment is gone: its live bytes no longer count. */
  dropSegment(seq: number): void;
  /** A live message's body now lies elsewhere (compaction). */
  moveBody(entry: Entry, body: BodyRef | null): void;
  /** What the entry's key was remembered with, for a copy of its record. */
  keyDigestOf(entry: Entry): string | null;
  /** Puts an entry back in the scheduler after a change made in memory only. */
  touch(entry: Entry): void;
  progressOf(entry: Entry): Progress;
}

export function createOutboxIndex(scheduler: Scheduler<Entry>, idempotency: Idempotency): OutboxIndex {
  const entries = new Map<string, Entry>();
  const keyDigests = new Map<string, string | null>();
  const liveBySegment = new Map<number, number>();
  const byLane: Record<Lane, number> = Object.fromEntries(LANES.map((lane) => [lane, 0])) as Record<Lane, number>;
  let storedBytes = 0;
  // Shared by the entries that came from one source, went to the same recipients or failed alike
  // (100,000 deferred: one error text); recipients hold no newline (checked at intake).
  const internError = createStringInterner();
  const internSource = createStringInterner();
  const internTo = createInterner<readonly string[]>((to) => to.join('\n'));
  // A record whose damage its CRC missed may lack them: kept as it is, not a start that fails.
  const shareTo = (to: readonly string[]) => (Array.isArray(to) ? internTo(to) : to);

  function countLive(ref: BodyRef | null, sign: 1 | -1): void {
    if (!ref) return;
    liveBySegment.set(ref.seq, (liveBySegment.get(ref.seq) ?? 0) + sign * (ref.length + RECORD_OVERHEAD_BYTES));
  }

  function count(entry: Entry, sign: 1 | -1): void {
    storedBytes += sign * entry.size;
    byLane[laneOf(entry.door, entry.kind)] += sign * entry.size;
    countLive(entry.body, sign);
  }

  function forget(entry: Entry, dropped: boolean): void {
    entries.delete(entry.id);
    scheduler.forget(entry);
    count(entry, -1);
    if (dropped && entry.idempotencyKey) idempotency.forget(entry.source, entry.idempotencyKey, keyDigests.get(entry.id) ?? null, entry.id);
    keyDigests.delete(entry.id);
  }

  function update(id: string, change: (entry: Entry) => void): void {
    const entry = entries.get(id);
    if (!entry) return;
    change(entry);
    scheduler.track(entry);
  }

  function enqueue(record: EnqueueRecord, body: BodyRef | null): void {
    let entry = entries.get(record.id);
    if (entry) {
      // A copy made by compaction or a fresh journal: the body now lies here.
      countLive(entry.body, -1);
      entry.body = body;
      countLive(body, 1);
    } else {
      entry = entryOf(record, body, internSource(record.source), shareTo(record.to));
      entries.set(entry.id, entry);
      if (entry.idempotencyKey) {
        keyDigests.set(entry.id, record.keyDigest);
        idempotency.remember(entry.source, entry.idempotencyKey, record.keyDigest, entry.id);
      }
      count(entry, 1);
    }
    const p = record.progress;
    if (p) {
      entry.state = p.state;
      entry.attempts = p.attempts;
      entry.nextAt = p.nextAt;
      entry.lastError = p.error === null ? null : internError(p.error);
      entry.to = shareTo(p.to);
    }
    scheduler.track(entry);
  }

  return {
    apply(record, body) {
      switch (record.type) {
        case 'enqueue':
          return enqueue(record, body);
        case 'sent':
        case 'drop': {
          const entry = entries.get(record.id);
          if (entry) forget(entry, record.type === 'drop');
          return;
        }
        case 'defer':
          return update(record.id, (e) => Object.assign(e, { state: 'deferred', attempts: record.attempts, nextAt: record.nextAt, lastError: internError(record.error) }));
        case 'dead':
          return update(record.id, (e) => Object.assign(e, { state: 'dead', attempts: record.attempts, lastError: internError(record.error), to: shareTo(record.to), nextAt: 0 }));
        case 'requeue':
          return update(record.id, (e) => Object.assign(e, { state: 'queued', nextAt: 0 }));
      }
    },
    get: (id) => entries.get(id),
    has: (id) => entries.has(id),
    entries: () => entries.values(),
    get size() {
      return entries.size;
    },
    counts: () => ({ ...countStates(entries.values()), bytes: storedBytes }),
    storedBytes: () => storedBytes,
    bytesByLane: () => ({ ...byLane }),
    liveBytes() {
      let live = 0;
      for (const bytes of liveBySegment.values()) live += bytes;
      return live;
    },
    dropSegment: (seq) => void liveBySegment.delete(seq),
    moveBody(entry, body) {
      if (entries.get(entry.id) !== entry) return;
      countLive(entry.body, -1);
      entry.body = body;
      countLive(body, 1);
    },
    keyDigestOf: (entry) => keyDigests.get(entry.id) ?? null,
    touch: (entry) => scheduler.track(entry),
    progressOf: (entry) => ({ state: entry.state, attempts: entry.attempts, nextAt: entry.nextAt, error: entry.lastError, to: entry.to }),
  };
}

/** A new entry, queued, from its enqueue record, with its shared source and recipients. */
function entryOf(record: EnqueueRecord, body: BodyRef | null, source: string, to: readonly string[]): Entry {
  return {
    id: record.id,
    kind: record.kind,
    subject: record.subject,
    createdAt: record.createdAt,
    idempotencyKey: record.key,
    source,
    door: record.door,
    size: record.size,
    body,
    state: 'queued',
    to,
    attempts: 0,
    nextAt: 0,
    lastError: null,
    sending: false,
  };
}

function countStates(entries: Iterable<Entry>): Record<EntryState, number> {
  const counts: Record<EntryState, number> = { queued: 0, deferred: 0, dead: 0 };
  for (const entry of entries) counts[entry.state]++;
  return counts;
}
