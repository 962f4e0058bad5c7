/**
 * Which message goes next: pure, in memory, no disk (unit-tested with plain entries).
 *
 * Priorities first: an operator's test and an alert, then the Appliance's own notifications,
 * then digests (a digest late by a minute harms nobody; an alert behind 10,000 digests does).
 * Within a priority, sources take turns (round-robin by door and client, see Caller), and each
 * source's messages go first in, first out: one client's flood delays another client's message
 * by at most one batch. Finding the next message costs the same with 10 or 100,000 queued.
 */
import { MinHeap } from '../util/min-heap.js';
import type { Entry, MessageKind } from './outbox-records.js';

const PRIORITY: Readonly<Record<MessageKind, number>> = { test: 0, alert: 0, appliance: 1, digest: 2 };
const PRIORITIES = 3;

/** The scheduler's view of an entry: the fields that decide its place. */
export type Schedulable = Pick<Entry, 'id' | 'kind' | 'source' | 'state' | 'nextAt' | 'sending'>;

export interface Scheduler<E extends Schedulable> {
  /** Puts an entry where it belongs after any change of its state (or takes it out). */
  track(entry: Schedulable): void;
  /** Takes an entry out for good (sent or dropped). */
  forget(entry: Schedulable): void;
  /** Entries due now, by priority, sources in turn, first in first out per source; not being sent. */
  due(now: number, limit: number): E[];
  /** When the next deferred entry falls due (0: something is due now), or null. */
  nextDueAt(): number | null;
  /** The deferred entries, all made due now by the caller: the waiting list is only these. */
  dueAgain(deferred: Iterable<Schedulable>): void;
}

/** One priority: a first-in-first-out set per source, and the turn order of the sources. */
class Turns {
  private readonly bySource = new Map<string, Set<string>>();
  private order: string[] = [];
  /** Where the next call starts in `order`, so that with more sources than a batch every one gets its turn. */
  private next = 0;

  get size(): number {
    return this.bySource.size;
  }

  add(source: string, id: string): void {
    let queue = this.bySource.get(source);
    if (!queue) {
      queue = new Set();
      this.bySource.set(source, queue);
      this.order.push(source);
    }
    queue.add(id);
  }

  delete(source: string, id: string): void {
    const queue = this.bySource.get(source);
    if (!queue?.delete(id) || queue.size > 0) return;
    this.bySource.delete(source);
    this.order = this.order.filter((s) => s !== source);
    if (this.next >= this.order.length) this.next = 0;
  }

  /**
   * Up to `limit` ids, one per source per round; `usable` tells whether an id can go (and may
   * drop it from the set: it is then passed over).
   */
  take(limit: number, usable: (id: string) => boolean): string[] {
    const out: string[] = [];
    const cursors = new Map<string, Iterator<string>>();
    let start = this.next;
    while (out.length < limit && this.order.length > 0) {
      let took = false;
      const sources = [...this.order.slice(start), ...this.order.slice(0, start)];
      start = 0;
      for (const source of sources) {
        if (out.length >= limit) break;
        const queue = this.bySource.get(source);
        if (!queue) continue;
        let cursor = cursors.get(source);
        if (!cursor) cursors.set(source, (cursor = queue.values()));
        for (let step = cursor.next(); !step.done; step = cursor.next()) {
          if (!usable(step.value)) continue;
          out.push(step.value);
          took = true;
          break;
        }
      }
      if (!took) break;
    }
    if (this.order.length > 0) this.next = (this.next + Math.max(1, out.length)) % this.order.length;
    return out;
  }
}

export function createScheduler<E extends Schedulable>(lookup: (id: string) => E | undefined): Scheduler<E> {
  const ready = Array.from({ length: PRIORITIES }, () => new Turns());
  /** Deferred entries, soonest first. Items go stale when an entry changes; they are skipped when popped. */
  const later = new MinHeap<{ id: string; nextAt: number }>((a, b) => a.nextAt < b.nextAt);
  const turnsOf = (entry: Schedulable) => ready[PRIORITY[entry.kind]]!;
  const isWaiting = (entry: E | undefined, nextAt: number): entry is E => !!entry && !entry.sending && entry.state === 'deferred' && entry.nextAt === nextAt;

  return {
    track(entry) {
      if (entry.sending || entry.state !== 'queued') turnsOf(entry).delete(entry.source, entry.id);
      if (entry.sending) return;
      if (entry.state === 'queued') turnsOf(entry).add(entry.source, entry.id);
      else if (entry.state === 'deferred') later.push({ id: entry.id, nextAt: entry.nextAt });
    },
    forget(entry) {
      turnsOf(entry).delete(entry.source, entry.id);
    },
    due(now, limit) {
      if (limit <= 0) return [];
      // Retries whose time came join their source's queue, behind those already waiting.
      for (let top = later.peek(); top && top.nextAt <= now; top = later.peek()) {
        later.pop();
        const entry = lookup(top.id);
        if (isWaiting(entry, top.nextAt)) turnsOf(entry).add(entry.source, entry.id);
      }
      const out: E[] = [];
      for (const turns of ready) {
        const stale: E[] = [];
        const ids = turns.take(limit - out.length, (id) => {
          const entry = lookup(id);
          if (entry && !entry.sending && (entry.state === 'queued' || (entry.state === 'deferred' && entry.nextAt <= now))) return true;
          if (entry) stale.push(entry);
          return false;
        });
        for (const entry of stale) {
          turns.delete(entry.source, entry.id);
          if (!entry.sending && entry.state === 'deferred') later.push({ id: entry.id, nextAt: entry.nextAt });
        }
        for (const id of ids) out.push(lookup(id)!);
        if (out.length >= limit) break;
      }
      return out;
    },
    nextDueAt() {
      if (ready.some((turns) => turns.size > 0)) return 0;
      for (let top = later.peek(); top; top = later.peek()) {
        if (isWaiting(lookup(top.id), top.nextAt)) return top.nextAt;
        later.pop();
      }
      return null;
    },
    dueAgain(deferred) {
      later.clear();
      for (const entry of deferred) if (!entry.sending) later.push({ id: entry.id, nextAt: entry.nextAt });
    },
  };
}
