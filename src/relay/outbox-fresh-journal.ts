/**
 * A fresh journal of everything not yet delivered, written when the outbox's folder was removed
 * or replaced under the daemon: the index is in memory and every body is still readable through
 * the old journal's open files. Until it is written, a restart would lose the queue.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { FILE_PATTERN, openJournal, type BodyRef, type Journal, type JournalRecord } from './journal.js';
import { copyRecord, type OutboxIndex } from './outbox-index.js';
import { SNAPSHOT_FILE } from './outbox-snapshot.js';
import { encodeRecord } from './outbox-records.js';

/** Where a body lies in the fresh journal; applied when the outbox switches to it, not before. */
export interface BodyMove {
  id: string;
  from: BodyRef | null;
  to: BodyRef | null;
}

/** Copied messages are written this many bytes at a time: one fsync each, bounded memory. */
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Makes the folder again (or takes the empty one put in its place) and copies every message of
 * the index into a new journal there, with its progress. Refuses a folder that holds journal files
 * it did not write: they are not this queue, and replaying them would mix two queues.
 */
export async function writeFreshJournal(
  dir: string,
  index: OutboxIndex,
  old: Journal,
  options: { segmentBytes?: number; onWriteError?: (err: Error) => void },
): Promise<{ journal: Journal; moves: BodyMove[] }> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const foreign = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f));
  if (foreign.length > 0) {
    throw new AppError('AM_STATE_LOST', `the state folder ${dir} was replaced by one holding other journal files (${foreign.slice(0, 3).join(', ')}); move them away so that this daemon can write its queue there`);
  }
  // An index snapshot left in the folder would describe the lost journal, not this one.
  await rm(join(dir, SNAPSHOT_FILE), { force: true });
  const { journal } = await openJournal(dir, () => undefined, options);
  try {
    const moves: BodyMove[] = [];
    let batch: Array<{ record: JournalRecord; id: string; from: BodyRef | null }> = [];
    let bytes = 0;
    const flush = async () => {
      const refs = await journal.append(batch.map((b) => b.record));
      batch.forEach(({ id, from }, i) => moves.push({ id, from, to: refs[i] ?? null }));
      batch = [];
      bytes = 0;
    };
    for (const { id, body: ref } of [...index.entries()]) {
      // A body that cannot be read any more stays a dead letter without it (as compaction does).
      const body = ref ? await old.readBody(ref).catch(() => null) : null;
      if (!index.has(id)) continue;
      if (!body && index.get(id)!.state !== 'dead') index.markUnsendable(id, 'the stored message was lost with the state folder; it cannot be sent');
      const entry = index.get(id)!;
      batch.push({ record: { meta: encodeRecord(copyRecord(entry, index.keyDigestOf(id))), ...(body ? { body } : {}) }, id, from: entry.body });
      bytes += body?.length ?? 0;
      if (bytes >= BATCH_BYTES) await flush();
    }
    if (batch.length > 0) await flush();
    return { journal, moves };
  } catch (err) {
    await journal.close();
    throw err;
  }
}
