/**
 * The one-time migration of a version 0.1.0 outbox journal (whole messages in JSON records, see
 * legacy-journal.ts) into the current one (rendered bodies apart from an index), at start, before
 * the outbox takes mail. Crash-safe at every step; a kill -9 anywhere neither loses a message nor
 * queues one twice:
 *
 * 1. Old files are renamed into `journal-v0.1/` (the new journal uses the same file names). A
 *    rename is atomic; a crash between two leaves some here, some there: the next start moves the
 *    rest.
 * 2. Their live messages are copied into the new journal, rendered as intake renders, with their
 *    ids, states, attempts and errors, each batch on disk (fdatasync) before the next. A crash
 *    here leaves `journal-v0.1/` in place: the next start copies again only what the new journal
 *    does not hold yet (the copy of a message is one record: it is there whole or not at all).
 * 3. A marker file `MIGRATED` says that everything is copied; then the old files are deleted, the
 *    marker last. A crash after the marker only finishes the deletion.
 */
import { mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { fsyncDir, PRIVATE_DIR_MODE, SECRET_FILE_MODE } from '../util/durable-file.js';
import { FILE_PATTERN, MAGIC } from './journal.js';
import { isLegacyJournal, readLegacyMessage, replayLegacy, type LegacyEntry, type LegacyMessage } from './legacy-journal.js';

export const LEGACY_DIR = 'journal-v0.1';
const DONE_MARKER = 'MIGRATED';
const LEGACY_TEMP_PATTERN = /^journal-\d{8}\.log\.tmp$/;
/** Copied messages are written this many bytes (or messages) at a time: one fsync each, bounded memory. */
const BATCH_BYTES = 16 * 1024 * 1024;
const BATCH_MESSAGES = 1000;

export interface LegacyCopy {
  message: LegacyMessage;
  state: Pick<LegacyEntry, 'state' | 'to' | 'attempts' | 'nextAt' | 'error'>;
}

/** Step 1: moves old-format files aside. True when a migration is under way (now or since a crash). */
export async function setAsideLegacyJournal(dir: string): Promise<boolean> {
  const legacyDir = join(dir, LEGACY_DIR);
  const old: string[] = [];
  for (const file of (await readdir(dir)).sort()) {
    // A `.tmp` is what an old compaction cut short left: never renamed in, it holds nothing of record.
    if (LEGACY_TEMP_PATTERN.test(file) || (FILE_PATTERN.test(file) && (await isLegacyJournal(join(dir, file), MAGIC)))) old.push(file);
  }
  if (old.length > 0) {
    await mkdir(legacyDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await fsyncDir(dir);
    for (const file of old) await rename(join(dir, file), join(legacyDir, file));
    await fsyncDir(legacyDir);
    await fsyncDir(dir);
  }
  return (await readdir(dir)).includes(LEGACY_DIR);
}

/**
 * Steps 2 and 3: copies what the new journal does not hold yet (`known`) through `copy`, which
 * resolves once a batch is on disk; then deletes the old files.
 */
export async function finishLegacyMigration(dir: string, log: Logger, known: (id: string) => boolean, copy: (batch: LegacyCopy[]) => Promise<void>): Promise<void> {
  const legacyDir = join(dir, LEGACY_DIR);
  const names = (await readdir(legacyDir)).sort();
  const files = names.filter((f) => FILE_PATTERN.test(f)).map((f) => join(legacyDir, f));
  if (!names.includes(DONE_MARKER)) {
    const replay = await replayLegacy(files);
    const todo = [...replay.live].filter(([id]) => !known(id));
    log.warn(
      { records: replay.records, live: replay.live.size, toCopy: todo.length, damagedBytes: replay.damagedBytes, tornTailBytes: replay.tornTailBytes },
      `outbox journal of version 0.1.0 found: migrating ${todo.length} messages to the current format`,
    );
    let batch: LegacyCopy[] = [];
    let batchBytes = 0;
    let copied = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await copy(batch);
      copied += batch.length;
      batch = [];
      batchBytes = 0;
      // Tests kill the daemon at this line to crash between two batches (outbox-migration.test.ts).
      log.info({ copied, of: todo.length }, 'outbox migration: messages copied');
    };
    for (const [, entry] of todo) {
      const message = await readLegacyMessage(entry.file, entry.offset);
      batch.push({ message, state: { state: entry.state, to: entry.to, attempts: entry.attempts, nextAt: entry.nextAt, error: entry.error } });
      batchBytes += (message.text?.length ?? 0) + (message.html?.length ?? 0);
      if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_MESSAGES) await flush();
    }
    await flush();
    const marker = await open(join(legacyDir, DONE_MARKER), 'w', SECRET_FILE_MODE);
    await marker.sync();
    await marker.close();
    await fsyncDir(legacyDir);
  }
  for (const file of files) await unlink(file);
  await fsyncDir(legacyDir);
  for (const name of names.filter((f) => f !== DONE_MARKER && !FILE_PATTERN.test(f))) await unlink(join(legacyDir, name));
  await unlink(join(legacyDir, DONE_MARKER)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rmdir(legacyDir);
  await fsyncDir(dir);
  log.info({}, 'outbox migration done: the journal of version 0.1.0 is removed');
}
