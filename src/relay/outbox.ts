/**
 * The durable outbox: every accepted message, its delivery state and its dead letters. Memory
 * holds an index (outbox-index.ts: id, kind, state, envelope, size, where the body lies), never
 * the bodies: a message is rendered once at intake, its bytes go to the journal and are read back
 * when it is sent. Every change is a journal record; a message is acknowledged only once its
 * record is on disk. On start the journal's records are replayed (bodies are skipped); what was
 * being sent when the daemon died is sent again (at-least-once).
 *
 * This file owns the I/O and wires the pure parts: the index, the scheduler (who goes next), the
 * idempotency keys, the room (quota and shares) and the compactor; the state folder is watched
 * (outbox-state.ts) so that a folder removed under the daemon does not lose the queue.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { createFreeSpace } from './free-space.js';
import { openJournal, type ReplayReport } from './journal.js';
import { finishLegacyMigration, setAsideLegacyJournal, type LegacyCopy } from './legacy-migration.js';
import { COMPACT_MIN_BYTES, createCompactor } from './outbox-compactor.js';
import { contentDigest, createIdempotency } from './outbox-idempotency.js';
import { createOutboxIndex } from './outbox-index.js';
import { DAEMON_CALLER, decodeRecord, encodeRecord, MESSAGE_KINDS, sourceOf, type Caller, type Entry, type MessageKind, type OutboxRecord } from './outbox-records.js';
import { checkRoom, laneLimits, laneOf, LANES, type Lane, type RoomLimits } from './outbox-room.js';
import { createScheduler } from './outbox-scheduler.js';
import { watchOutboxState, type OutboxState, type StateLoss } from './outbox-state.js';
import { renderMessage } from './render.js';

export { MESSAGE_KINDS, type Caller, type Entry, type EntryState, type MessageKind } from './outbox-records.js';
export type { StateLoss } from './outbox-state.js';

/** The subject as listed (`appliance-mail outbox`); the whole one is in the stored message. */
const LISTED_SUBJECT_CHARS = 80;

/** What a submitter asks to send, checked (see intake.ts). */
export interface NewMessage {
  kind: MessageKind;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  idempotencyKey: string | null;
  /**
   * What a resubmission under the same key must repeat to be the same message: by default the
   * message itself; a rendered notification (whose body carries the time) gives its request.
   */
  idempotencyContent?: string;
}

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
  compactMinBytes?: number;
  segmentBytes?: number;
  /** How often the state folder is checked (and at every write error). */
  stateCheckMs?: number;
}

export interface Outbox {
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
  markSending(id: string, sending: boolean): void;
  markSent(id: string): Promise<void>;
  markDeferred(id: string, error: string, nextAt: number): Promise<void>;
  markDead(id: string, error: string, to?: string[]): Promise<void>;
  /** Dead letters and deferred messages due now again (attempts are kept); returns how many. */
  requeue(ids: readonly string[] | 'all-dead'): Promise<number>;
  /** Removes messages for good; returns how many. */
  drop(ids: readonly string[] | 'all-dead'): Promise<number>;
  /** Makes every deferred entry due now (settings changed, or `outbox flush`); returns how many. */
  retryDeferredNow(): number;
  /**
   * Holds an entry back until `until`, in memory only: used when the outcome of a send could not
   * be written (disk full), so that the message is not sent again at once, in a loop.
   */
  postpone(id: string, until: number): void;
  get(id: string): Entry | undefined;
  list(): Entry[];
  counts(): OutboxCounts;
  /** Bytes per lane against its share (status, metrics). */
  room(): OutboxRoom;
  /** The state folder's loss, while it lasts and after its queue was written again; null if never. */
  stateLoss(): StateLoss | null;
  /** Tells `listener` of every message accepted, sent, deferred or dead. */
  onEvent(listener: (event: OutboxEvent) => void): void;
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
  /** Bytes of submissions being written, per lane: counted against the room before they land. */
  const reserved: Record<Lane, number> = Object.fromEntries(LANES.map((lane) => [lane, 0])) as Record<Lane, number>;
  let sentSinceStart = 0;
  const listeners: Array<(event: OutboxEvent) => void> = [];
  const tell = (type: OutboxEvent['type'], entry: { kind: MessageKind; createdAt: number }, at: number) => {
    for (const listener of listeners) listener({ type, kind: entry.kind, acceptedAt: entry.createdAt, at });
  };
  const apply = (meta: unknown, body: Parameters<typeof index.apply>[1]) => {
    const record = decodeRecord(meta);
    if (record) index.apply(record, body);
  };

  const migrating = await setAsideLegacyJournal(dir);
  // Declared before the journal, whose write errors ask for a check at once.
  let state: OutboxState | undefined;
  const journalOptions = { segmentBytes: options.segmentBytes, onWriteError: () => state?.checkNow() };
  const opened = await openJournal(dir, apply, journalOptions);
  const report = opened.report;
  let journal = opened.journal;
  if (migrating) await finishLegacyMigration(dir, log, (id) => index.has(id), copyLegacy);
  logReplay(log, report, index.size, index.storedBytes());

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
      for (const move of next.moves) if (move.entry.body === move.from) index.moveBody(move.entry, move.to);
      return old;
    },
  });
  state = watched;

  /** Messages of a version 0.1.0 journal, rendered as intake renders, with their ids and states. */
  async function copyLegacy(batch: LegacyCopy[]): Promise<void> {
    const records = await Promise.all(
      batch.map(async ({ message: m, state: progress }) => {
        const body = await renderMessage({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, createdAt: m.createdAt });
        // Kinds were the same set in 0.1.0; anything else would be damage that passed the CRC.
        const kind: MessageKind = (MESSAGE_KINDS as readonly string[]).includes(m.kind) ? (m.kind as MessageKind) : 'appliance';
        const record: OutboxRecord = { type: 'enqueue', id: m.id, kind, to: m.to, subject: listedSubject(m.subject), createdAt: m.createdAt, key: m.idempotencyKey, keyDigest: null, source: '', door: null, size: body.length, progress };
        return { record, body };
      }),
    );
    const refs = await journal.append(records.map(({ record, body }) => ({ meta: encodeRecord(record), body })));
    records.forEach(({ record }, i) => index.apply(record, refs[i] ?? null));
  }

  /** Applies a change in memory, then writes it (after a fresh journal being written, if one is). */
  async function write(records: OutboxRecord[]): Promise<void> {
    for (const record of records) index.apply(record, null);
    if (records.length === 0) return;
    await watched.writable();
    await journal.append(records.map((record) => ({ meta: encodeRecord(record) })));
  }

  function need(id: string): Entry {
    const entry = index.get(id);
    if (!entry) throw new AppError('AM_MESSAGE_UNKNOWN', `no message ${id} in the outbox (already sent or dropped?); see appliance-mail outbox`);
    return entry;
  }

  async function use(): Promise<{ total: number; byLane: Record<Lane, number>; free: number }> {
    const byLane = index.bytesByLane();
    let reservedTotal = 0;
    for (const lane of LANES) {
      byLane[lane] += reserved[lane];
      reservedTotal += reserved[lane];
    }
    const free = limits().minFreeBytes > 0 ? (await freeSpace.available()) - reservedTotal : Number.POSITIVE_INFINITY;
    return { total: index.storedBytes() + reservedTotal, byLane, free };
  }

  async function store(input: NewMessage, caller: Caller, keyDigest: string | null): Promise<{ id: string; duplicate: boolean }> {
    watched.refuseIfLost();
    const id = newMessageId();
    const createdAt = Date.now();
    const body = await renderMessage({ id, to: input.to, subject: input.subject, text: input.text, html: input.html, createdAt });
    const lane = laneOf(caller.door, input.kind);
    checkRoom(await use(), limits(), lane, body.length, dir);
    reserved[lane] += body.length;
    try {
      const record: OutboxRecord = { type: 'enqueue', id, kind: input.kind, to: input.to, subject: listedSubject(input.subject), createdAt, key: input.idempotencyKey, keyDigest, source: sourceOf(caller), door: caller.door, size: body.length };
      // Written first, applied after: a message that is not on disk must not be delivered.
      watched.refuseIfLost();
      const [ref] = await journal.append([{ meta: encodeRecord(record), body }]);
      freeSpace.wrote(body.length);
      index.apply(record, ref ?? null);
      tell('accepted', { kind: input.kind, createdAt }, Date.now());
      return { id, duplicate: false };
    } finally {
      reserved[lane] -= body.length;
    }
  }

  function targets(ids: readonly string[] | 'all-dead', allowed: (e: Entry) => boolean, what: string): string[] {
    if (ids === 'all-dead') return [...index.entries()].filter((e) => e.state === 'dead').map((e) => e.id);
    const unique = [...new Set(ids)];
    for (const id of unique) {
      if (!allowed(need(id))) throw new AppError('AM_INVALID_ARGUMENT', `message ${id} ${what}`);
    }
    return unique;
  }

  return {
    replay: report,
    async enqueue(input, caller = DAEMON_CALLER) {
      const key = input.idempotencyKey;
      if (!key) return store(input, caller, null);
      const source = sourceOf(caller);
      const digest = contentDigest(input);
      const existing = idempotency.find(source, key, digest);
      if (existing) return { id: existing, duplicate: true };
      // Another message of this caller's under the same key: its own message, said in the log.
      if (idempotency.usedForOther(source, key, digest)) log.info({ source, key: key.slice(0, 80) }, 'an idempotency key came again with other content: queued as a message of its own');
      const { value, first } = await idempotency.once(source, key, digest, () => store(input, caller, digest));
      return first ? value : { id: value.id, duplicate: true };
    },
    due: (now, limit) => scheduler.due(now, limit),
    nextDueAt: () => scheduler.nextDueAt(),
    readMessage(entry, prefixBytes) {
      if (!entry.body) return Promise.reject(new AppError('AM_OUTBOX_CORRUPT', `the stored message ${entry.id} was damaged on disk; it cannot be sent`));
      return journal.readBody(entry.body, prefixBytes);
    },
    markSending(id, sending) {
      const entry = index.get(id);
      if (!entry) return;
      entry.sending = sending;
      // Back from a send whose outcome did not change the entry, it is due again where it was.
      index.touch(entry);
    },
    async markSent(id) {
      sentSinceStart++;
      const entry = index.get(id);
      const at = Date.now();
      await write([{ type: 'sent', id, at }]);
      if (entry) tell('sent', entry, at);
      compactor.maybeCompact();
    },
    async markDeferred(id, error, nextAt) {
      const entry = need(id);
      await write([{ type: 'defer', id, attempts: entry.attempts + 1, nextAt, error }]);
      tell('deferred', entry, Date.now());
    },
    async markDead(id, error, to) {
      const entry = need(id);
      const at = Date.now();
      await write([{ type: 'dead', id, at, attempts: entry.attempts + 1, error, to: to ?? entry.to }]);
      tell('dead', entry, at);
    },
    async requeue(ids) {
      const chosen = targets(ids, (e) => e.state !== 'queued', 'is already queued for delivery');
      await write(chosen.map((id) => ({ type: 'requeue', id, at: Date.now() })));
      return chosen.length;
    },
    async drop(ids) {
      const chosen = targets(ids, () => true, '');
      await write(chosen.map((id) => ({ type: 'drop', id })));
      compactor.maybeCompact();
      return chosen.length;
    },
    retryDeferredNow: () => scheduler.retryAllNow(index.entries()),
    postpone(id, until) {
      const entry = index.get(id);
      if (!entry || entry.state === 'dead') return;
      entry.state = 'deferred';
      entry.nextAt = until;
      index.touch(entry);
    },
    get: (id) => index.get(id),
    list: () => [...index.entries()],
    counts: () => ({ ...index.counts(), sentSinceStart }),
    room() {
      const byLane = index.bytesByLane();
      const total = index.storedBytes();
      const lanes = laneLimits({ total, free: freeSpace.known() }, limits());
      return Object.fromEntries(LANES.map((lane) => [lane, { bytes: byLane[lane], limitBytes: lanes[lane] }])) as OutboxRoom;
    },
    stateLoss: () => watched.loss(),
    onEvent(listener) {
      listeners.push(listener);
    },
    async close() {
      await watched.close();
      await compactor.close();
      await journal.close();
    },
  };
}

function logReplay(log: Logger, report: ReplayReport, live: number, bytes: number): void {
  if (report.damaged.length > 0 || report.tornTailBytes > 0) {
    log.warn(
      { code: 'AM_OUTBOX_CORRUPT', records: report.records, damaged: report.damaged, tornTailBytes: report.tornTailBytes, live },
      `outbox journal had damage: kept ${report.records} intact records (${live} messages still to send); skipped ${report.damaged.reduce((n, d) => n + d.bytes, 0)} damaged bytes and a torn tail of ${report.tornTailBytes} bytes`,
    );
  } else {
    log.info({ records: report.records, live, bytes }, `outbox loaded: ${live} messages to send or dead`);
  }
}

function listedSubject(subject: string): string {
  if (subject.length <= LISTED_SUBJECT_CHARS) return subject;
  // Cut on a code point, not inside a surrogate pair.
  return `${Array.from(subject).slice(0, LISTED_SUBJECT_CHARS - 1).join('')}…`;
}

/** Sortable by time of acceptance, unique without coordination. */
function newMessageId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}
