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
 * version sent), so on a fleet of 1,000 that is about every eighth change; a compaction rewrites
 * every record and was a tenth of the primary's busy time in a fan-out when it came every second
 * change. The log stays under ~8 lines of ~500 bytes per node (4 MB at 1,000), read once at start.
 */
const COMPACT_LINES_PER_RECORD = 8;
const COMPACT_MIN_LINES = 1_000;
/**
 * A noted record waits this long for a change of its own to write it: longer than the last of
 * 2,000 Reports takes to follow a fan-out (~3 s), so only a node that does not report (or a
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
   * NOTED_WRITE_DELAY_MS after it, by a compaction, or at close: a fan-out to a thousand nodes
   * writes each record once, not once for the send and again for the Report.
   */
  note(name: string, fn: (node: NodeRecord) => void): void;
  /** Forgets a node; resolves once that is on disk. */
  remove(name: string): Promise<void>;
  /** Writes what is pending now and waits for it (graceful stop). */
  close(): Promise<void>;
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
  /** Names noted (note()) and not written since, with when they were first noted (ms). */
  let noted = new Map<string, number>();
  let next: Batch | null = null;
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastStartMs = -Infinity;
  let failed = false;
  let closed = false;

  function mark(name: string): Promise<void> {
    dirty.add(name);
    next ??= newBatch();
    schedule();
    return next.done;
  }

  function schedule(): void {
    if (writing !== null || timer !== null || closed) return;
    const waitMs = Math.max(0, lastStartMs + (failed ? RETRY_AFTER_FAILURE_MS : intervalMs) - Date.now());
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
    lastStartMs = Date.now();
    for (const [name, at] of noted) {
      if (lastStartMs - at < NOTED_WRITE_DELAY_MS) continue;
      names.add(name);
      noted.delete(name);
    }
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
    if (log.lines() > Math.max(COMPACT_MIN_LINES, COMPACT_LINES_PER_RECORD * records.size)) {
      // Still inside the write slot: no append runs while the log is replaced. It writes every
      // record as it is in memory, noted changes included.
      const pending = noted;
      noted = new Map();
      await log.compact(records).catch((err: unknown) => {
        for (const [name, at] of pending) if (!noted.has(name)) noted.set(name, at);
        deps.onError(err, records.size);
      });
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
      if (!noted.has(name)) noted.set(name, Date.now());
    },
    remove(name) {
      records.delete(name);
      noted.delete(name);
      return mark(name);
    },
    async close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await writing;
      closed = true;
      for (const name of noted.keys()) dirty.add(name);
      noted = new Map();
      if (dirty.size > 0) {
        next ??= newBatch();
        await write();
      }
    },
  };
}
