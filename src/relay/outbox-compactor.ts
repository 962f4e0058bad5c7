/**
 * Compaction of the outbox's journal: once it is large and mostly holds finished messages, the
 * oldest segment's few live messages are appended again (body copied by range, one message in
 * memory at a time, with their progress), then the segment is deleted. Oldest first keeps replay
 * right: a record left in a newer segment about a message of a deleted one is ignored, since the
 * copy comes after it. Works on any Journal (unit-tested with one in memory).
 */
import type { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { Journal } from './journal.js';
import { copyRecord, type OutboxIndex } from './outbox-index.js';
import { encodeRecord } from './outbox-records.js';

/** Compaction starts once the journal is this large and mostly holds finished messages. */
export const COMPACT_MIN_BYTES = 32 * 1024 * 1024;

/** True when most of a journal of at least `minBytes` is finished messages. */
export function worthCompacting(totalBytes: number, liveBytes: number, minBytes: number): boolean {
  return totalBytes >= minBytes && liveBytes * 2 <= totalBytes;
}

export interface Compactor {
  /** Starts a compaction in the background when it is worth it and none runs. */
  maybeCompact(): void;
  /** Resolves once no compaction runs (one may start again later). */
  settled(): Promise<void>;
  /** True while a compaction runs. */
  busy(): boolean;
  /** Stops between two messages; resolves once the one running has stopped. */
  close(): Promise<void>;
}

export function createCompactor(deps: { journal: () => Journal; index: OutboxIndex; log: Logger; minBytes: number; paused: () => boolean }): Compactor {
  const { index, log, minBytes } = deps;
  let running: Promise<void> | null = null;
  let closed = false;
  const worth = () => worthCompacting(deps.journal().sizeBytes(), index.liveBytes(), minBytes);

  async function compactOldest(journal: Journal): Promise<boolean> {
    const segments = journal.segments();
    if (segments.length < 2) return false;
    const oldest = segments[0]!.seq;
    for (const id of index.idsWhere({ bodyIn: oldest })) {
      const entry = index.get(id);
      if (closed) return false;
      if (!entry?.body) continue;
      let body: Buffer | undefined;
      try {
        body = await journal.readBody(entry.body);
      } catch (err) {
        if ((err as AppError).code !== 'AM_OUTBOX_CORRUPT') throw err;
        log.error({ err, id: entry.id }, 'a stored message is damaged and cannot be sent; kept as a dead letter without its body');
      }
      const current = index.get(entry.id);
      // Sent, dropped or moved while its body was read: nothing to copy.
      if (!current?.body || current.body.seq !== oldest) continue;
      if (!body) index.markUnsendable(entry.id, 'the stored message was damaged on disk; it cannot be sent');
      const [ref] = await journal.append([{ meta: encodeRecord(copyRecord(index.get(entry.id)!, index.keyDigestOf(entry.id))), ...(body ? { body } : {}) }]);
      index.moveBody(entry.id, current.body, ref ?? null);
    }
    await journal.removeSegment(oldest);
    index.dropSegment(oldest);
    return true;
  }

  async function compact(): Promise<void> {
    const journal = deps.journal();
    if (journal.segments().length === 1) await journal.roll();
    while (!closed && !deps.paused() && worth() && (await compactOldest(journal)));
  }

  return {
    maybeCompact() {
      if (running || closed || deps.paused() || !worth()) return;
      running = compact()
        .then(() => log.info({ live: index.size, bytes: deps.journal().sizeBytes() }, 'outbox journal compacted'))
        .catch((err: unknown) => log.error({ err }, 'outbox compaction failed; the journal keeps growing until it succeeds'))
        .finally(() => {
          running = null;
        });
    },
    settled: async () => {
      await running;
    },
    busy: () => running !== null,
    async close() {
      closed = true;
      await running;
    },
  };
}
