/**
 * The outbox notices its disk. Every few seconds, and at every write error, it checks that its
 * folder and the journal file it appends to are still the ones it opened (state-folder-watch.ts,
 * Journal.checkIdentity). If either vanished or was replaced, the queue is in memory only: intake
 * stops (AM_STATE_LOST, naming the folder), the log says so at error level, status and metrics
 * too, and as soon as the folder can be made again a fresh journal of every message not yet
 * delivered is written there (outbox-fresh-journal.ts). Then intake resumes; status keeps saying
 * it happened until the daemon restarts.
 */
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { Journal } from './journal.js';
import { writeFreshJournal, type BodyMove } from './outbox-fresh-journal.js';
import type { OutboxIndex } from './outbox-index.js';
import { holdFolder, type FolderIdentity } from './state-folder-watch.js';

/** "At least every few seconds": a removed folder is seen within this, its queue rewritten soon after. */
export const STATE_CHECK_MS = 2_000;

export interface StateLoss {
  /** What happened, in words naming the folder or file. */
  reason: string;
  since: number;
  /** When a fresh journal was written; null while the queue is in memory only. */
  recoveredAt: number | null;
  /** How many times since start. */
  count: number;
}

export interface OutboxState {
  /** Checks now (a write failed), without waiting for the next tick. */
  checkNow(): void;
  loss(): StateLoss | null;
  /** Throws AM_STATE_LOST while the queue is in memory only. */
  refuseIfLost(): void;
  /** Resolves when a record may be appended: not while a fresh journal is being written. */
  writable(): Promise<void>;
  close(): Promise<void>;
}

export async function watchOutboxState(deps: {
  dir: string;
  log: Logger;
  intervalMs?: number | undefined;
  journal: () => Journal;
  index: OutboxIndex;
  journalOptions: { segmentBytes?: number | undefined; onWriteError?: (err: Error) => void };
  /** Resolves once no compaction runs (it is paused while the state is lost). */
  settled: () => Promise<void>;
  /** Makes the fresh journal the outbox's; returns the old one, to close. */
  switchTo: (next: { journal: Journal; moves: BodyMove[] }) => Journal;
}): Promise<OutboxState> {
  const { dir, log, index } = deps;
  let folder: FolderIdentity = await holdFolder(dir);
  let loss: StateLoss | null = null;
  let checking: Promise<void> | null = null;
  let recovering: Promise<void> | null = null;
  let closed = false;
  let lastFailure = '';

  async function recover(): Promise<void> {
    const lost = loss!;
    await deps.settled();
    const next = await writeFreshJournal(dir, index, deps.journal(), { segmentBytes: deps.journalOptions.segmentBytes, onWriteError: deps.journalOptions.onWriteError });
    const old = deps.switchTo(next);
    await old.close().catch(() => undefined);
    await folder.close();
    folder = await holdFolder(dir);
    lost.recoveredAt = Date.now();
    log.warn({ code: 'AM_STATE_LOST', dir, messages: index.size }, `the outbox's queue of ${index.size} messages is written again under ${dir}; mail is accepted again (a restart is safe now)`);
  }

  async function check(): Promise<void> {
    if (closed) return;
    if (loss?.recoveredAt === null) {
      recovering ??= recover()
        .catch((err: unknown) => {
          // Said once per reason (at every try it would be a line every few seconds).
          const reason = (err as Error).message;
          if (reason !== lastFailure) log.warn({ err, dir }, `the outbox's queue cannot be written under ${dir} yet (${reason}); trying again every few seconds`);
          lastFailure = reason;
        })
        .finally(() => (recovering = null));
      return recovering;
    }
    const reason = (await folder.check()) ?? (await deps.journal().checkIdentity());
    if (reason === null || closed) return;
    loss = { reason, since: Date.now(), recoveredAt: null, count: (loss?.count ?? 0) + 1 };
    log.error(
      { code: 'AM_STATE_LOST', dir, messages: index.size },
      `${reason} while the daemon runs: the queue of ${index.size} messages is in memory only and no mail is accepted until it is written again there (tried every few seconds). Do not restart the daemon before that`,
    );
    return check();
  }

  function checkNow(): void {
    checking ??= check()
      .catch((err: unknown) => log.error({ err }, 'checking the outbox state folder failed'))
      .finally(() => (checking = null));
  }

  const timer = setInterval(checkNow, deps.intervalMs ?? STATE_CHECK_MS);
  timer.unref();

  return {
    checkNow,
    loss: () => (loss ? { ...loss } : null),
    refuseIfLost() {
      if (loss?.recoveredAt !== null || loss === null) return;
      throw new AppError(
        'AM_STATE_LOST',
        `no mail is accepted: ${loss.reason} under the running daemon; the queued mail is kept in memory and is written there again as soon as the folder can be made (see appliance-mail status)`,
        { details: { dir } },
      );
    },
    async writable() {
      await recovering;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await checking;
      await folder.close();
    },
  };
}
