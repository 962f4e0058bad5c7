/**
 * The primary's node records: held in memory (the one copy every read sees) and written to their
 * record log (src/state/record-log.ts) in coalesced batches. Whatever the number of changes, at
 * most one batch is written per NODE_RECORD_WRITE_INTERVAL_MS, each carrying every record changed
 * since the last: on a fleet of 1,000 a settings change brings ~2,000 record changes (sent, then
 * reported) and costs a batch per interval while the Reports arrive, ~1,000 records in all (the
 * send rides with the Report: note()).
 *
 * Each change resolves once its batch is on disk, so a caller that must not answer before the
 * record is durable (a Report: the node will not say it again) awaits it, and one that may lose
 * the record to a crash (a send, last seen) does not.
 */
import { AppError } from '../errors/registry.js';
import type { NodeRecord } from '../state/schema.js';
import type { RecordLog } from '../state/record-log.js';

/**
 * A batch waits this long after the previous one began: the first change after a quiet spell is
 * written at once, the ones that follow it in a burst share the next write.
 */
export const NODE_RECORD_WRITE_INTERVAL_MS = 50;
/** After a failed write (disk full, I/O error), the records are tried again this much later. */
const RETRY_AFTER_FAILURE_MS = 1_000;
/**
 * The log is compacted once it holds this many lines per live record (and at least
 * COMPACT_MIN_LINES). A settings change writes about one line per node (its Report, carrying the
 * version sent), so on a fleet of 1,000 that is about every seventh change; a compaction rewrites
 * every record and was a tenth of the primary's busy time in a fan-out when it came every second
 * change. The log stays under ~8 lines of ~500 bytes per node (4 MB at 1,000), read once at start.
 */
const COMPACT_LINES_PER_RECORD = 8;
const COMPACT_MIN_LINES = 1_000;
/**
 * After a failed compaction (a full disk has no room for the new file while small appends still
 * fit), the next one waits this long: not a 4 MB write attempted with every batch meanwhile.
 */
const COMPACT_RETRY_AFTER_FAILURE_MS = 30_000;
/**
 * A noted record waits this long for a change of its own to write it: longer than the last Report
 * of a fan-out to 2,000 nodes takes to arrive (~3 s), so only a node that does not report (or a
 * fleet larger still) has its record written for the send alone.
 */
export const NOTED_WRITE_DELAY_MS = 5_000;

export interface NodeRecordWriter {
  get(name: string): NodeRecord | undefined;
  list(): IterableIterator<NodeRecord>;
  readonly size: number;
  /** A new node; resolves once it is on disk. */
  add(record: NodeRecord): Promise<void>;
  /**
   * Changes a node's record in memory at once (nothing when the node is unknown) and resolves
   * once the change is on disk; rejects when that write failed.
   */
  change(name: string, fn: (node: NodeRecord) => void): Promise<void>;
  /**
   * Changes a node's record in memory at once without asking for a write: for what a crash may
   * lose (the version sent to a node, which its next session states again). The record is written
   * by its next change (the node's Report, moments later), or else by the first batch that begins
   * NOTED_WRITE_DELAY_MS after it (a batch begins only when some record changes: on a quiet
   * primary that may be close), by a compaction, or at close: a fan-out to a thousand nodes
   * writes each record once, not once for the send and again for the Report.
   */
  note(name: string, fn: (node: NodeRecord) => void): void;
  /** Forgets a node; resolves once that is on disk. */
  remove(name: string): Promise<void>;
  /**
   * Writes what is pending, and what changes while it writes, and waits for it (graceful stop);
   * a change after it is refused (AM_CLOSED).
   */
  close(): Promise<void>;
}

/**
 * The names noted (note()) and not written since, each with when it was first noted (the
 * monotonic clock): a node sent a version every few seconds that never reports is still written.
 */
function createNotedNames() {
  let firstNoted = new Map<string, number>();
  return {
    add(name: string): void {
      if (!firstNoted.has(name)) firstNoted.set(name, performance.now());
    },
    delete(name: string): void {
      firstNoted.delete(name);
    },
    /** Takes the names first noted before `ms` (performance.now()). */
    takeNotedBefore(ms: number): string[] {
      // Called by every batch (dozens per fan-out), so no copy of the map is made.
      const taken: string[] = [];
      for (const [name, at] of firstNoted) if (at <= ms) taken.push(name);
      for (const name of taken) firstNoted.delete(name);
      return taken;
    },
    /** Takes every name; putBack() returns them if what was to write them failed. */
    takeAll(): Map<string, number> {
      const all = firstNoted;
      firstNoted = new Map();
      return all;
    },
    putBack(names: Map<string, number>): void {
      for (const [name, at] of names) firstNoted.set(name, Math.min(at, firstNoted.get(name) ?? at));
    },
  };
}

interface Batch {
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A change nobody awaits (a send, a last-seen) must not become an unhandled rejection.
  done.catch(() => undefined);
  return { done, resolve, reject };
}

/** A change after close: nothing would write it. A batch's promise: no unhandled rejection if not awaited. */
function refusedAfterClose(): Promise<void> {
  const refused = newBatch();
  refused.reject(new AppError('AM_CLOSED', 'the node records are closed (the primary is stopping)'));
  return refused.done;
}

/**
 * Rewrites the log with the records as they are in memory, the noted sends with them. Returns when
 * the next compaction may come: at once, or, after a failure (the noted sends put back),
 * COMPACT_RETRY_AFTER_FAILURE_MS later.
 */
async function compactFromMemory(
  log: Pick<RecordLog<NodeRecord>, 'compact'>,
  records: Map<string, NodeRecord>,
  noted: ReturnType<typeof createNotedNames>,
  onError: (err: unknown, nodes: number) => void,
): Promise<number> {
  const pending = noted.takeAll();
  try {
    await log.compact(records);
    return -Infinity;
  } catch (err) {
    noted.putBack(pending);
    onError(err, records.size);
    return performance.now() + COMPACT_RETRY_AFTER_FAILURE_MS;
  }
}

export function createNodeRecordWriter(deps: {
  records: Map<string, NodeRecord>;
  log: Pick<RecordLog<NodeRecord>, 'append' | 'compact' | 'lines'>;
  onError(err: unknown, nodes: number): void;
  intervalMs?: number;
}): NodeRecordWriter {
  const { records, log } = deps;
  const intervalMs = deps.intervalMs ?? NODE_RECORD_WRITE_INTERVAL_MS;
  /** Names changed since the last batch began, and the promise of the batch that will carry them. */
  let dirty = new Set<string>();
  const noted = createNotedNames();
  let next: Batch | null = null;
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** performance.now(), not the wall clock: one set back (NTP after boot) must not hold writes back. */
  let lastStartMs = -Infinity;
  let compactNotBeforeMs = -Infinity;
  let failed = false;
  /** close() began (no batch is scheduled: close writes what is marked), and ended (a change is refused). */
  let closed = false;
  let ended = false;

  function mark(name: string): Promise<void> {
    if (ended) return refusedAfterClose();
    dirty.add(name);
    next ??= newBatch();
    schedule();
    return next.done;
  }

  function schedule(): void {
    if (writing !== null || timer !== null || closed) return;
    const waitMs = Math.max(0, lastStartMs + (failed ? RETRY_AFTER_FAILURE_MS : intervalMs) - performance.now());
    timer = setTimeout(() => {
      timer = null;
      writing = write().finally(() => {
        writing = null;
        if (dirty.size > 0) schedule();
      });
    }, waitMs);
  }

  async function write(): Promise<void> {
    const batch = next;
    const names = dirty;
    next = null;
    dirty = new Set();
    if (batch === null || names.size === 0) return;
    lastStartMs = performance.now();
    for (const name of noted.takeNotedBefore(lastStartMs - NOTED_WRITE_DELAY_MS)) names.add(name);
    // Serialized now: a record changed while the write runs goes out in the next batch.
    const changes = [...names].map((name) => [name, records.get(name) ?? null] as const);
    try {
      await log.append(changes);
    } catch (err) {
      failed = true;
      for (const name of names) dirty.add(name);
      if (dirty.size > 0) next ??= newBatch();
      deps.onError(err, names.size);
      batch.reject(err);
      return;
    }
    failed = false;
    batch.resolve();
    if (log.lines() > Math.max(COMPACT_MIN_LINES, COMPACT_LINES_PER_RECORD * records.size) && lastStartMs >= compactNotBeforeMs) {
      // In the write slot: no append runs while the log is replaced.
      compactNotBeforeMs = await compactFromMemory(log, records, noted, deps.onError);
    }
  }

  return {
    get: (name) => records.get(name),
    list: () => records.values(),
    get size() {
      return records.size;
    },
    add(record) {
      records.set(record.name, record);
      return mark(record.name);
    },
    change(name, fn) {
      const record = records.get(name);
      if (record === undefined) return Promise.resolve();
      fn(record);
      // This write carries what was noted too.
      noted.delete(name);
      return mark(name);
    },
    note(name, fn) {
      const record = records.get(name);
      if (record === undefined) return;
      fn(record);
      noted.add(name);
    },
    remove(name) {
      records.delete(name);
      noted.delete(name);
      return mark(name);
    },
    async close() {
      // First: the write in flight must not schedule one beside close's own (one offset, two appends).
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await writing;
      for (const name of noted.takeAll().keys()) dirty.add(name);
      // Again while changes arrive during a write, until none is left or a write fails.
      while (dirty.size > 0) {
        next ??= newBatch();
        await write();
        if (failed) break;
      }
      ended = true;
    },
  };
}
