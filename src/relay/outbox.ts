/**
 * The durable outbox: every accepted message, its delivery state and its dead letters. Memory
 * holds an index (outbox-index.ts: id, kind, state, envelope, size, where the body lies), never
 * the bodies: a message is rendered once at intake, its bytes go to the journal and are read back
 * when it is sent. Every change is a journal record; a message is acknowledged only once its
 * record is on disk. On start the index snapshot is read, if there is a usable one, then the
 * journal's records after it (bodies are skipped; outbox-snapshot.ts); what was being sent when
 * the daemon died is sent again (at-least-once).
 *
 * This file owns the I/O and wires the pure parts: the index, the scheduler (who goes next), the
 * idempotency keys, the room (quota and shares) and the compactor; the state folder is watched
 * (outbox-state.ts) so that a folder removed under the daemon does not lose the queue.
 */
import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { createFreeSpace, type FreeSpace } from './free-space.js';
import { openJournal, type BodyRef, type ReplayReport } from './journal.js';
import { finishLegacyMigration, setAsideLegacyJournal } from './legacy-migration.js';
import { COMPACT_MIN_BYTES, createCompactor } from './outbox-compactor.js';
import { createIdempotency } from './outbox-idempotency.js';
import { createOutboxIndex, type OutboxIndex } from './outbox-index.js';
import { createOutboxOutcomes, type OutboxOutcomes } from './outbox-outcomes.js';
import { DAEMON_CALLER, decodeRecord, encodeRecord, type Caller, type Entry, type MessageKind, type NewMessage, type OutboxRecord } from './outbox-records.js';
import { laneLimits, LANES, type Lane, type RoomLimits } from './outbox-room.js';
import { createScheduler } from './outbox-scheduler.js';
import { watchOutboxState, type OutboxState, type StateLoss } from './outbox-state.js';
import { loadSnapshot, removeUnfinishedSnapshots, takeSnapshots } from './outbox-snapshot.js';
import { createMessageStore } from './outbox-store.js';

export { MESSAGE_KINDS, type Caller, type Entry, type EntryState, type MessageKind, type NewMessage } from './outbox-records.js';
export type { StateLoss } from './outbox-state.js';

export interface OutboxCounts {
  queued: number;
  deferred: number;
  dead: number;
  sentSinceStart: number;
  /** Bytes of the stored messages (queued, deferred and dead), what relay.maxOutboxBytes bounds. */
  bytes: number;
}

/** Bytes a lane holds against what it may hold now (its share of the room). */
export type OutboxRoom = Record<Lane, { bytes: number; limitBytes: number }>;

/** A message changed state, told once the change is on disk (metrics count these). */
export interface OutboxEvent {
  type: 'accepted' | 'sent' | 'deferred' | 'dead';
  kind: MessageKind;
  /** When the message was accepted (ms since the epoch). */
  acceptedAt: number;
  /** When the change was made: for 'sent', when the server's answer was known. */
  at: number;
}

export type OutboxLimits = RoomLimits;

export interface OutboxOptions {
  /** The quota in force, read at every submission (the config can change while running). */
  limits?: () => OutboxLimits;
  /** The Message-ID domain in force (mailServer.heloName), read at each submission; the host name by default. */
  messageIdDomain?: () => string;
  compactMinBytes?: number;
  /** How much the journal grows before a new index snapshot (outbox-snapshot.ts). */
  snapshotMinBytes?: number;
  segmentBytes?: number;
  /** How often the state folder is checked (and at every write error). */
  stateCheckMs?: number;
}

/** The outcomes' part (outbox-outcomes.ts) and the rest. */
export interface Outbox extends Omit<OutboxOutcomes, 'sentSinceStart'> {
  readonly replay: ReplayReport;
  /**
   * Renders and stores a new message durably. The same idempotency key from the same caller with
   * the same content returns the first id (duplicate); other content is a message of its own.
   * Refuses with AM_OUTBOX_FULL past the caller's share of the room, AM_STATE_LOST while the
   * state folder is gone.
   */
  enqueue(input: NewMessage, caller?: Caller): Promise<{ id: string; duplicate: boolean }>;
  /** Entries due for delivery now, by priority, sources in turn, not already being sent. */
  due(now: number, limit: number): Entry[];
  /** When the next deferred entry falls due (0: something is due now), or null. */
  nextDueAt(): number | null;
  /** The stored message, after `prefixBytes` free bytes at its start (for the From line). */
  readMessage(entry: Entry, prefixBytes: number): Promise<Buffer>;
  /** Makes every deferred entry due now (settings changed, or `outbox flush`); returns how many. */
  retryDeferredNow(): number;
  get(id: string): Entry | undefined;
  /** Copies of every entry (an operator's list). */
  list(): Entry[];
  /** Messages not dead and not being sent that came in before `time` (the expiry sweep). */
  waitingSince(time: number): Entry[];
  /** When the oldest message not yet delivered nor dead came in, or null (a gauge). */
  oldestWaitingSince(): number | null;
  counts(): OutboxCounts;
  /** Bytes per lane against its share (status, metrics). */
  room(): OutboxRoom;
  /** The state folder's loss, while it lasts and after its queue was written again; null if never. */
  stateLoss(): StateLoss | null;
  /** Tells `listener` of every message accepted, sent, deferred or dead. */
  onEvent(listener: (event: OutboxEvent) => void): void;
  /** Why the free-space floor cannot be applied (the filesystem reports no size), or null. */
  freeSpaceWarning(): Promise<string | null>;
  close(): Promise<void>;
}

const NO_LIMITS: OutboxLimits = { maxOutboxBytes: Number.POSITIVE_INFINITY, minFreeBytes: 0, shares: { submissionPort: 1, sendmail: 1, digests: 1 } };

export async function openOutbox(stateDir: string, log: Logger, options: OutboxOptions = {}): Promise<Outbox> {
  const limits = options.limits ?? (() => NO_LIMITS);
  const dir = join(stateDir, 'outbox');
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const freeSpace = createFreeSpace(dir);
  const idempotency = createIdempotency();
  // The scheduler looks entries up in the index it is given to: the index is made right after.
  const scheduler = createScheduler<Entry>((id) => index.get(id));
  const index = createOutboxIndex(scheduler, idempotency);
  const listeners: Array<(event: OutboxEvent) => void> = [];
  const tell = (type: OutboxEvent['type'], entry: { kind: MessageKind; createdAt: number }, at: number) => {
    for (const listener of listeners) listener({ type, kind: entry.kind, acceptedAt: entry.createdAt, at });
  };
  // Declared before the journal, whose write errors ask for a check of the folder at once.
  let state: OutboxState | undefined;
  /** A journal write failed: memory may hold what the journal does not, so no snapshot until a start or a fresh journal. */
  let diverged = false;
  const journalOptions = {
    segmentBytes: options.segmentBytes,
    onWriteError: () => {
      diverged = true;
      state?.checkNow();
    },
  };
  const messages = createMessageStore({ dir, log, index, idempotency, freeSpace, limits, messageIdDomain: options.messageIdDomain ?? (() => hostname() || 'appliance-mail'), journal: () => journal, refuseIfLost: () => state?.refuseIfLost(), accepted: (e) => tell('accepted', e, Date.now()) });

  const migrating = await setAsideLegacyJournal(dir);
  const apply = (meta: unknown, body: BodyRef | null) => applyRecord(index, meta, body);
  await removeUnfinishedSnapshots(dir);
  const snapshot = migrating ? null : await loadSnapshot(dir, log, index);
  const opened = await openJournal(dir, apply, { ...journalOptions, ...(snapshot ? { from: snapshot } : {}) });
  let journal = opened.journal;
  if (migrating) await finishLegacyMigration(dir, log, (id) => index.has(id), messages.copyLegacy);
  logReplay(log, opened.report, index.size, index.storedBytes(), snapshot?.messages ?? null);

  const compactor = createCompactor({ journal: () => journal, index, log, minBytes: options.compactMinBytes ?? COMPACT_MIN_BYTES, paused: () => state?.loss()?.recoveredAt === null });
  const watched = await watchOutboxState({
    dir,
    log,
    intervalMs: options.stateCheckMs,
    journal: () => journal,
    index,
    journalOptions,
    settled: () => compactor.settled(),
    switchTo(next) {
      const old = journal;
      journal = next.journal;
      for (const move of next.moves) index.moveBody(move.id, move.from, move.to);
      diverged = false;
      snapshots.journalReplaced();
      return old;
    },
  });
  state = watched;
  /** Outcomes applied in memory and not yet written: a snapshot now would hold what the journal does not. */
  let unwritten = 0;
  const snapshots = takeSnapshots({
    dir,
    log,
    index,
    journal: () => journal,
    loadedAt: snapshot,
    minBytes: options.snapshotMinBytes,
    quiet: () => !diverged && unwritten === 0 && journal.idle() && !compactor.busy() && watched.loss()?.recoveredAt !== null,
  });

  /** Applies changes in memory, then writes them (after a fresh journal being written, if one is). */
  async function write(records: OutboxRecord[]): Promise<void> {
    for (const record of records) index.apply(record, null);
    if (records.length === 0) return;
    unwritten++;
    try {
      await watched.writable();
      await journal.append(records.map((record) => ({ meta: encodeRecord(record) })));
    } catch (err) {
      diverged = true;
      throw err;
    } finally {
      unwritten--;
    }
  }

  const outcomes = createOutboxOutcomes({ index, write, tell, maybeCompact: () => compactor.maybeCompact() });

  return {
    ...outcomes,
    async freeSpaceWarning() {
      if (limits().minFreeBytes <= 0) return null;
      await freeSpace.available();
      return freeSpace.unmeasured();
    },
    replay: opened.report,
    enqueue: (input, caller = DAEMON_CALLER) => messages.enqueue(input, caller),
    due: (now, limit) => scheduler.due(now, limit),
    nextDueAt: () => scheduler.nextDueAt(),
    readMessage(entry, prefixBytes) {
      if (!entry.body) return Promise.reject(new AppError('AM_OUTBOX_CORRUPT', `the stored message ${entry.id} was damaged on disk; it cannot be sent`));
      return journal.readBody(entry.body, prefixBytes);
    },
    retryDeferredNow: () => index.retryDeferredNow(),
    get: (id) => index.get(id),
    list: () => [...index.entries()],
    waitingSince: (time) => index.idsWhere({ createdBefore: time, notDead: true, notSending: true }).map((id) => index.get(id)!),
    oldestWaitingSince: () => index.oldestWaitingSince(),
    counts: () => ({ ...index.counts(), sentSinceStart: outcomes.sentSinceStart() }),
    room: () => roomOf(index, freeSpace, limits()),
    stateLoss: () => watched.loss(),
    onEvent(listener) {
      listeners.push(listener);
    },
    async close() {
      await watched.close();
      await compactor.close();
      await snapshots.close();
      await journal.close();
    },
  };
}

function applyRecord(index: OutboxIndex, meta: unknown, body: BodyRef | null): void {
  const record = decodeRecord(meta);
  if (record) index.apply(record, body);
}

function roomOf(index: OutboxIndex, freeSpace: FreeSpace, limits: OutboxLimits): OutboxRoom {
  const byLane = index.bytesByLane();
  const lanes = laneLimits({ total: index.storedBytes(), free: freeSpace.known() }, limits);
  return Object.fromEntries(LANES.map((lane) => [lane, { bytes: byLane[lane], limitBytes: lanes[lane] }])) as OutboxRoom;
}

function logReplay(log: Logger, report: ReplayReport, live: number, bytes: number, fromSnapshot: number | null): void {
  if (report.damaged.length > 0 || report.tornTailBytes > 0) {
    log.warn(
      { code: 'AM_OUTBOX_CORRUPT', records: report.records, snapshotMessages: fromSnapshot, damaged: report.damaged, tornTailBytes: report.tornTailBytes, live },
      `outbox journal had damage: kept ${report.records} intact records (${live} messages still to send); skipped ${report.damaged.reduce((n, d) => n + d.bytes, 0)} damaged bytes and a torn tail of ${report.tornTailBytes} bytes`,
    );
  } else {
    const read = fromSnapshot === null ? 'every journal record' : `the index snapshot (${fromSnapshot} messages) and the ${report.records} journal records after it`;
    log.info({ records: report.records, snapshotMessages: fromSnapshot, live, bytes }, `outbox loaded from ${read}: ${live} messages to send or dead`);
  }
}
