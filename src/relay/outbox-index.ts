/**
 * The outbox's index, pure and in memory: every message not yet sent (id, kind, state, envelope,
 * size, where its body lies, never the body), rebuilt by applying the journal's records in order
 * and kept in the columns of an EntryTable. It keeps the sums the other parts ask for: bytes per
 * lane (room), live journal bytes per segment (compaction), and tells the scheduler and the
 * idempotency keys of every change. What it hands out are copies: a change goes through it.
 */
import { HEAD_BYTES, type BodyRef } from './journal.js';
import type { Idempotency } from './outbox-idempotency.js';
import { EntryTable } from './entry-table.js';
import type { EnqueueRecord, Entry, OutboxRecord } from './outbox-records.js';
import { laneOf, LANES, type Lane } from './outbox-room.js';
import type { Schedulable, Scheduler } from './outbox-scheduler.js';

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
  /** A copy of the message's entry, as it is now. */
  get(id: string): Entry | undefined;
  has(id: string): boolean;
  /** Copies of every entry, in the order the messages came (an operator's list: not for a timer). */
  entries(): IterableIterator<Entry>;
  /**
   * Ids of the messages that match, read from the columns: what a periodic sweep or compaction
   * asks for, without a copy of each of 100,000 entries (~25 MB of garbage per sweep).
   */
  idsWhere(test: { createdBefore?: number; notDead?: boolean; notSending?: boolean; bodyIn?: number }): string[];
  /** When the oldest message not yet delivered nor dead came in, or null. */
  oldestWaitingSince(): number | null;
  readonly size: number;
  counts(): IndexCounts;
  /** Bytes of the stored messages, without counting entries (asked at every submission). */
  storedBytes(): number;
  bytesByLane(): Record<Lane, number>;
  /** Journal bytes of live messages, per segment. */
  liveBytes(): number;
  /** A segment is gone: its live bytes no longer count. */
  dropSegment(seq: number): void;
  /** The message's body now lies at `to` (compaction, a fresh journal), if it still lay at `from`. */
  moveBody(id: string, from: BodyRef | null, to: BodyRef | null): void;
  /** What the message's key was remembered with, for a copy of its record. */
  keyDigestOf(id: string): string | null;
  /** A send of the message began or ended (in memory only: a crash means "send again"). */
  setSending(id: string, sending: boolean): void;
  /** Holds a message back until `until`, in memory only; a dead letter stays one. */
  holdBack(id: string, until: number): void;
  /** A message whose body is lost becomes a dead letter, in memory until its copy is written. */
  markUnsendable(id: string, error: string): void;
  /** Every deferred message is due now; returns how many. */
  retryDeferredNow(): number;
  /** The index as a snapshot holds it (EntryTable.packForSnapshot). */
  packForSnapshot(): ReturnType<EntryTable['packForSnapshot']>;
  /** Takes a snapshot's table (EntryTable.unpack) as this index, empty until then. */
  restore(restored: EntryTable): void;
}

export function createOutboxIndex(scheduler: Scheduler<Entry>, idempotency: Idempotency): OutboxIndex {
  let table = new EntryTable();
  const live = new LiveBytes();
  const byLane: Record<Lane, number> = Object.fromEntries(LANES.map((lane) => [lane, 0])) as Record<Lane, number>;
  let storedBytes = 0;

  const schedulable = (slot: number) => table.schedulable(slot);
  const withSlot = <T>(id: string, none: T, read: (slot: number) => T): T => {
    const slot = table.slot(id);
    return slot === undefined ? none : read(slot);
  };

  function count(slot: number, sign: 1 | -1): void {
    const size = table.sizeOf(slot);
    storedBytes += sign * size;
    byLane[laneOf(table.doorOf(slot), table.kindOf(slot))] += sign * size;
    live.count(table.bodyOf(slot), sign);
  }

  function forget(slot: number, dropped: boolean): void {
    scheduler.forget(schedulable(slot));
    count(slot, -1);
    const key = table.keyOf(slot);
    if (dropped && key) idempotency.forget(table.sourceOf(slot), key, table.keyDigestOf(slot), table.idOf(slot));
    table.remove(slot);
  }

  function update(id: string, change: (slot: number) => void): void {
    const slot = table.slot(id);
    if (slot === undefined) return;
    change(slot);
    scheduler.track(schedulable(slot));
  }

  function setBody(slot: number, body: BodyRef | null): void {
    live.count(table.bodyOf(slot), -1);
    table.setBody(slot, body);
    live.count(body, 1);
  }

  function enqueue(record: EnqueueRecord, body: BodyRef | null): void {
    let slot = table.slot(record.id);
    if (slot !== undefined) {
      // A copy made by compaction or a fresh journal: the body now lies here.
      setBody(slot, body);
    } else {
      slot = table.add(record, body);
      if (record.key) idempotency.remember(record.source, record.key, record.keyDigest, record.id);
      count(slot, 1);
    }
    const p = record.progress;
    if (p) table.setProgress(slot, p);
    scheduler.track(schedulable(slot));
  }

  function* copies(): IterableIterator<Entry> {
    for (const slot of table.slots()) yield table.entry(slot);
  }

  return {
    apply(record, body) {
      switch (record.type) {
        case 'enqueue':
          return enqueue(record, body);
        case 'sent':
        case 'drop': {
          const slot = table.slot(record.id);
          if (slot !== undefined) forget(slot, record.type === 'drop');
          return;
        }
        case 'defer':
          return update(record.id, (slot) => table.setProgress(slot, { state: 'deferred', attempts: record.attempts, nextAt: record.nextAt, error: record.error }));
        case 'dead':
          return update(record.id, (slot) => table.setProgress(slot, { state: 'dead', attempts: record.attempts, error: record.error, to: record.to, nextAt: 0 }));
        case 'requeue':
          return update(record.id, (slot) => table.setProgress(slot, { state: 'queued', nextAt: 0 }));
      }
    },
    get: (id) => withSlot(id, undefined, (slot) => table.entry(slot)),
    has: (id) => table.slot(id) !== undefined,
    idsWhere: (test) => table.idsWhere(test),
    oldestWaitingSince: () => table.oldestWaitingSince(),
    entries: copies,
    get size() {
      return table.count;
    },
    counts: () => ({ ...table.stateCounts(), bytes: storedBytes }),
    storedBytes: () => storedBytes,
    bytesByLane: () => ({ ...byLane }),
    liveBytes: () => live.total(),
    dropSegment: (seq) => live.drop(seq),
    moveBody: (id, from, to) => withSlot(id, undefined, (slot) => (table.bodyIs(slot, from) ? setBody(slot, to) : undefined)),
    keyDigestOf: (id) => withSlot(id, null, (slot) => table.keyDigestOf(slot)),
    setSending: (id, sending) => update(id, (slot) => table.setSending(slot, sending)),
    holdBack: (id, until) => update(id, (slot) => (table.stateOf(slot) === 'dead' ? undefined : table.setProgress(slot, { state: 'deferred', nextAt: until }))),
    markUnsendable: (id, error) => update(id, (slot) => table.setProgress(slot, { state: 'dead', error, nextAt: 0 })),
    packForSnapshot: () => table.packForSnapshot(),
    restore(restored) {
      if (table.count > 0) throw new Error('a snapshot is restored into an empty index only');
      table = restored;
      for (const slot of table.slots()) {
        count(slot, 1);
        const key = table.keyOf(slot);
        if (key) idempotency.remember(table.sourceOf(slot), key, table.keyDigestOf(slot), table.idOf(slot));
        scheduler.track(schedulable(slot));
      }
    },
    retryDeferredNow() {
      const deferred: Schedulable[] = [];
      for (const slot of table.slots()) {
        if (table.stateOf(slot) !== 'deferred') continue;
        table.setProgress(slot, { nextAt: 0 });
        deferred.push(schedulable(slot));
      }
      scheduler.dueAgain(deferred);
      return deferred.length;
    },
  };
}

/** Journal bytes of live messages per segment, what compaction weighs. */
class LiveBytes {
  private readonly bySegment = new Map<number, number>();

  count(ref: BodyRef | null, sign: 1 | -1): void {
    if (ref) this.bySegment.set(ref.seq, (this.bySegment.get(ref.seq) ?? 0) + sign * (ref.length + RECORD_OVERHEAD_BYTES));
  }

  total(): number {
    let bytes = 0;
    for (const segment of this.bySegment.values()) bytes += segment;
    return bytes;
  }

  drop(seq: number): void {
    this.bySegment.delete(seq);
  }
}

/** The record that copies an entry forward (compaction, a fresh journal, a snapshot), with its progress. */
export function copyRecord(entry: Entry, keyDigest: string | null): EnqueueRecord {
  return {
    type: 'enqueue',
    id: entry.id,
    kind: entry.kind,
    to: entry.to,
    subject: entry.subject,
    createdAt: entry.createdAt,
    key: entry.idempotencyKey,
    keyDigest,
    source: entry.source,
    door: entry.door,
    size: entry.size,
    progress: { state: entry.state, attempts: entry.attempts, nextAt: entry.nextAt, error: entry.lastError, to: entry.to },
  };
}
