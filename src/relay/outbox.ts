/**
 * The durable outbox: every accepted message, its delivery state and its dead letters. Memory
 * holds an index (id, kind, state, envelope, size, where the body lies), never the bodies: a
 * message is rendered once at intake, its bytes go to the journal and are read back when it is
 * sent. Every change is a journal record; a message is acknowledged only once its record is on
 * disk. On start the journal's index records are replayed (bodies are skipped); what was being
 * sent when the daemon died is sent again (at-least-once).
 */
import { hostname } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { formatBytes } from '../util/bytes.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { MinHeap } from '../util/min-heap.js';
import { createFreeSpace } from './free-space.js';
import { HEAD_BYTES, openJournal, type BodyRef, type ReplayReport } from './journal.js';
import { finishLegacyMigration, setAsideLegacyJournal, type LegacyCopy } from './legacy-migration.js';
import { renderMessage } from './render.js';

export const MESSAGE_KINDS = ['alert', 'digest', 'appliance', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/**
 * Who goes first when several messages are due: an operator's test and an alert, then the
 * Appliance's own notifications, then digests (a digest late by a minute harms nobody; an alert
 * behind 10,000 digests does). First in, first out within a priority.
 */
const PRIORITY: Readonly<Record<MessageKind, number>> = { test: 0, alert: 0, appliance: 1, digest: 2 };
const PRIORITIES = 3;
/** The subject as listed (`appliance-mail outbox`); the whole one is in the stored message. */
const LISTED_SUBJECT_CHARS = 80;
/** Compaction starts once the journal is this large and mostly holds finished messages. */
const COMPACT_MIN_BYTES = 32 * 1024 * 1024;
/** A message's index record and framing, near enough, for the live share of a segment. */
const RECORD_OVERHEAD_BYTES = HEAD_BYTES + 200;

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

export type EntryState = 'queued' | 'deferred' | 'dead';

/** One message in the index: what scheduling and listing need, and where its body is. */
export interface Entry {
  readonly id: string;
  readonly kind: MessageKind;
  /** Truncated to LISTED_SUBJECT_CHARS. */
  readonly subject: string;
  readonly createdAt: number;
  readonly idempotencyKey: string | null;
  /** Bytes of the rendered message on disk. */
  readonly size: number;
  /** Where the rendered message is; null once it was found damaged and could not be kept. */
  body: BodyRef | null;
  state: EntryState;
  /** Recipients still to deliver to (fewer than at intake after a partial failure). */
  to: string[];
  /** Delivery attempts, counted on every try, across requeues. */
  attempts: number;
  nextAt: number;
  lastError: string | null;
  /** True while a delivery attempt is in flight (not persisted: a crash means "send again"). */
  sending: boolean;
}

interface StateSnapshot {
  state: EntryState;
  attempts: number;
  nextAt: number;
  error: string | null;
  to: string[];
}

type OutboxRecord =
  | { t: 'enq'; id: string; kind: MessageKind; to: string[]; subject: string; createdAt: number; key: string | null; kd?: string | null; size: number; s?: StateSnapshot }
  | { t: 'sent'; id: string; at: number }
  | { t: 'defer'; id: string; attempts: number; nextAt: number; error: string }
  | { t: 'dead'; id: string; at: number; attempts: number; error: string; to: string[] }
  | { t: 'requeue'; id: string; at: number }
  | { t: 'drop'; id: string };

export interface OutboxCounts {
  queued: number;
  deferred: number;
  dead: number;
  sentSinceStart: number;
  /** Bytes of the stored messages (queued, deferred and dead), what relay.maxOutboxBytes bounds. */
  bytes: number;
}

/** A message changed state, told once the change is on disk (metrics count these). */
export interface OutboxEvent {
  type: 'accepted' | 'sent' | 'deferred' | 'dead';
  kind: MessageKind;
  /** When the message was accepted (ms since the epoch). */
  acceptedAt: number;
  /** When the change was made: for 'sent', when the server's answer was known. */
  at: number;
}

export interface OutboxLimits {
  maxOutboxBytes: number;
  minFreeBytes: number;
}

export interface OutboxOptions {
  /** The quota in force, read at every submission (the config can change while running). */
  limits?: () => OutboxLimits;
  /** The Message-ID domain in force (mailServer.heloName), read at each submission. */
  messageIdDomain?: () => string;
  compactMinBytes?: number;
  segmentBytes?: number;
}

export interface Outbox {
  readonly replay: ReplayReport;
  /**
   * Renders and stores a new message durably; with a known idempotency key, returns the existing
   * id. Refuses with AM_OUTBOX_FULL past relay.maxOutboxBytes or the free-space floor.
   */
  enqueue(input: NewMessage): Promise<{ id: string; duplicate: boolean }>;
  /** Entries due for delivery now, by priority then first in first out, not already being sent. */
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
  /** Tells `listener` of every message accepted, sent, deferred or dead. */
  onEvent(listener: (event: OutboxEvent) => void): void;
  close(): Promise<void>;
}

export async function openOutbox(stateDir: string, log: Logger, options: OutboxOptions = {}): Promise<Outbox> {
  const compactMinBytes = options.compactMinBytes ?? COMPACT_MIN_BYTES;
  const limits = options.limits ?? (() => ({ maxOutboxBytes: Number.POSITIVE_INFINITY, minFreeBytes: 0 }));
  const messageIdDomain = options.messageIdDomain ?? (() => hostname() || 'appliance-mail');
  const dir = join(stateDir, 'outbox');
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const freeSpace = createFreeSpace(dir);
  const entries = new Map<string, Entry>();
  /**
   * What can be sent now, one first-in-first-out set per priority, and what waits for a retry
   * time, soonest first: finding the next message costs the same with 10 or 100,000 queued.
   * Heap items go stale when an entry changes; they are checked and skipped when popped.
   */
  const ready = Array.from({ length: PRIORITIES }, () => new Set<string>());
  const later = new MinHeap<{ id: string; nextAt: number }>((a, b) => a.nextAt < b.nextAt);
  /**
   * Idempotency keys: the message queued under each, and a digest of its content. A key comes
   * back with the same content: a resubmission, answered with the first id. With other content it
   * is a conflict, refused: a key is no licence to replace (or suppress) another's message.
   * Records from before digests were kept have none and match any content, as before.
   */
  const byKey = new Map<string, { id: string; digest: string | null }>();
  /** Journal bytes of live messages per segment: compaction copies the few left in an old one. */
  const liveBySegment = new Map<number, number>();
  let storedBytes = 0;
  /** Bytes of submissions being written: counted against the quota before they land. */
  let reservedBytes = 0;
  /** Keys whose first submission is still being written: a concurrent retry waits for it. */
  const keysInFlight = new Map<string, Promise<{ id: string; duplicate: boolean }>>();
  const inFlightDigests = new Map<string, string>();

  /** The digest kept with an entry's key, for the compacted copy of its record. */
  function keyDigestOf(entry: Entry): string | null {
    const known = entry.idempotencyKey ? byKey.get(entry.idempotencyKey) : undefined;
    return known?.id === entry.id ? known.digest : null;
  }
  let sentSinceStart = 0;
  const listeners: Array<(event: OutboxEvent) => void> = [];

  function tell(type: OutboxEvent['type'], entry: { kind: MessageKind; createdAt: number }, at: number): void {
    for (const listener of listeners) listener({ type, kind: entry.kind, acceptedAt: entry.createdAt, at });
  }
  /** The last error text, shared by the entries that failed alike (100,000 deferred, one string). */
  let lastErrorText = '';

  function intern(error: string): string {
    if (error === lastErrorText) return lastErrorText;
    lastErrorText = error;
    return error;
  }

  /** Puts an entry where the scheduler looks for it, after any change of its state. */
  function track(entry: Entry): void {
    const queue = ready[PRIORITY[entry.kind]]!;
    if (entry.sending || entry.state !== 'queued') queue.delete(entry.id);
    if (entry.sending) return;
    if (entry.state === 'queued') queue.add(entry.id);
    else if (entry.state === 'deferred') later.push({ id: entry.id, nextAt: entry.nextAt });
  }

  function countLive(ref: BodyRef | null, sign: 1 | -1): void {
    if (!ref) return;
    liveBySegment.set(ref.seq, (liveBySegment.get(ref.seq) ?? 0) + sign * (ref.length + RECORD_OVERHEAD_BYTES));
  }

  function forget(entry: Entry): void {
    entries.delete(entry.id);
    ready[PRIORITY[entry.kind]]!.delete(entry.id);
    countLive(entry.body, -1);
    storedBytes -= entry.size;
  }

  function apply(record: OutboxRecord, body: BodyRef | null): void {
    switch (record.t) {
      case 'enq': {
        const known = entries.get(record.id);
        if (known) {
          // A copy made by compaction: the body now lies here.
          countLive(known.body, -1);
          known.body = body;
          countLive(body, 1);
        } else {
          const entry: Entry = {
            id: record.id,
            kind: record.kind,
            subject: record.subject,
            createdAt: record.createdAt,
            idempotencyKey: record.key,
            size: record.size,
            body,
            state: 'queued',
            to: record.to,
            attempts: 0,
            nextAt: 0,
            lastError: null,
            sending: false,
          };
          entries.set(entry.id, entry);
          if (entry.idempotencyKey) byKey.set(entry.idempotencyKey, { id: entry.id, digest: record.kd ?? null });
          countLive(body, 1);
          storedBytes += entry.size;
        }
        const entry = entries.get(record.id)!;
        if (record.s) Object.assign(entry, { state: record.s.state, attempts: record.s.attempts, nextAt: record.s.nextAt, lastError: record.s.error, to: record.s.to });
        track(entry);
        return;
      }
      case 'sent':
      case 'drop': {
        const entry = entries.get(record.id);
        if (!entry) return;
        if (entry.idempotencyKey && record.t === 'drop') byKey.delete(entry.idempotencyKey);
        forget(entry);
        return;
      }
      case 'defer': {
        const entry = entries.get(record.id);
        if (!entry) return;
        Object.assign(entry, { state: 'deferred', attempts: record.attempts, nextAt: record.nextAt, lastError: intern(record.error) });
        track(entry);
        return;
      }
      case 'dead': {
        const entry = entries.get(record.id);
        if (!entry) return;
        Object.assign(entry, { state: 'dead', attempts: record.attempts, lastError: intern(record.error), to: record.to, nextAt: 0 });
        track(entry);
        return;
      }
      case 'requeue': {
        const entry = entries.get(record.id);
        if (!entry) return;
        Object.assign(entry, { state: 'queued', nextAt: 0 });
        track(entry);
        return;
      }
    }
  }

  const migrating = await setAsideLegacyJournal(dir);
  const { journal, report } = await openJournal(dir, (meta, body) => apply(meta as OutboxRecord, body), { segmentBytes: options.segmentBytes });
  if (migrating) await finishLegacyMigration(dir, log, (id) => entries.has(id), copyLegacy);
  if (report.damaged.length > 0 || report.tornTailBytes > 0) {
    log.warn(
      { code: 'AM_OUTBOX_CORRUPT', records: report.records, damaged: report.damaged, tornTailBytes: report.tornTailBytes, live: entries.size },
      `outbox journal had damage: kept ${report.records} intact records (${entries.size} messages still to send); skipped ${report.damaged.reduce((n, d) => n + d.bytes, 0)} damaged bytes and a torn tail of ${report.tornTailBytes} bytes`,
    );
  } else {
    log.info({ records: report.records, live: entries.size, bytes: storedBytes }, `outbox loaded: ${entries.size} messages to send or dead`);
  }

  /** Messages of a version 0.1.0 journal, rendered as intake renders, with their ids and states. */
  async function copyLegacy(batch: LegacyCopy[]): Promise<void> {
    const records = await Promise.all(
      batch.map(async ({ message: m, state }) => {
        const body = await renderMessage({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, createdAt: m.createdAt, domain: messageIdDomain() });
        // Kinds were the same set in 0.1.0; anything else would be damage that passed the CRC.
        const kind: MessageKind = (MESSAGE_KINDS as readonly string[]).includes(m.kind) ? (m.kind as MessageKind) : 'appliance';
        const meta: OutboxRecord = { t: 'enq', id: m.id, kind, to: m.to, subject: listedSubject(m.subject), createdAt: m.createdAt, key: m.idempotencyKey, size: body.length, s: state };
        return { meta, body };
      }),
    );
    const refs = await journal.append(records);
    records.forEach((record, i) => apply(record.meta, refs[i] ?? null));
  }

  let compacting = false;
  let closed = false;
  async function write(record: OutboxRecord): Promise<void> {
    apply(record, null);
    await journal.append([{ meta: record }]);
  }

  function snapshotOf(entry: Entry): StateSnapshot {
    return { state: entry.state, attempts: entry.attempts, nextAt: entry.nextAt, error: entry.lastError, to: entry.to };
  }

  function maybeCompact(): void {
    if (compacting || closed || !worthCompacting()) return;
    compacting = true;
    compact()
      .then(() => log.info({ live: entries.size, bytes: journal.sizeBytes() }, 'outbox journal compacted'))
      .catch((err: unknown) => log.error({ err }, 'outbox compaction failed; the journal keeps growing until it succeeds'))
      .finally(() => {
        compacting = false;
      });
  }

  function worthCompacting(): boolean {
    const total = journal.sizeBytes();
    if (total < compactMinBytes) return false;
    let live = 0;
    for (const bytes of liveBySegment.values()) live += bytes;
    // If most of the journal is finished messages, drop the old segments, moving their few live ones.
    return live * 2 <= total;
  }

  /**
   * Oldest segment first: its live messages are appended again (body copied by range, one message
   * in memory at a time, with their state), then the segment is deleted. Oldest first keeps replay
   * right: any record left in a newer segment about a message of a deleted one is ignored, since
   * the copy comes after it.
   */
  async function compact(): Promise<void> {
    if (journal.segments().length === 1) await journal.roll();
    while (!closed && worthCompacting()) {
      const segments = journal.segments();
      if (segments.length < 2) return;
      const oldest = segments[0]!.seq;
      const moving = [...entries.values()].filter((e) => e.body?.seq === oldest);
      for (const entry of moving) {
        if (closed) return;
        let body: Buffer | undefined;
        try {
          body = await journal.readBody(entry.body!);
        } catch (err) {
          if ((err as AppError).code !== 'AM_OUTBOX_CORRUPT') throw err;
          log.error({ err, id: entry.id }, 'a stored message is damaged and cannot be sent; kept as a dead letter without its body');
        }
        if (entries.get(entry.id) !== entry || entry.body?.seq !== oldest) continue;
        if (!body) {
          Object.assign(entry, { state: 'dead', lastError: 'the stored message was damaged on disk; it cannot be sent', nextAt: 0 });
          track(entry);
        }
        const record: OutboxRecord = { t: 'enq', id: entry.id, kind: entry.kind, to: entry.to, subject: entry.subject, createdAt: entry.createdAt, key: entry.idempotencyKey, kd: keyDigestOf(entry), size: entry.size, s: snapshotOf(entry) };
        const [ref] = await journal.append([{ meta: record, ...(body ? { body } : {}) }]);
        if (entries.get(entry.id) === entry) {
          countLive(entry.body, -1);
          entry.body = ref ?? null;
          countLive(entry.body, 1);
        }
      }
      await journal.removeSegment(oldest);
      liveBySegment.delete(oldest);
    }
  }

  function need(id: string): Entry {
    const entry = entries.get(id);
    if (!entry) throw new AppError('AM_MESSAGE_UNKNOWN', `no message ${id} in the outbox (already sent or dropped?); see appliance-mail outbox`);
    return entry;
  }

  /** Refuses a message that would take the outbox past its quota or the disk below its floor. */
  async function checkRoom(bytes: number): Promise<void> {
    const { maxOutboxBytes, minFreeBytes } = limits();
    const queued = storedBytes + reservedBytes;
    if (queued + bytes > maxOutboxBytes) {
      throw new AppError(
        'AM_OUTBOX_FULL',
        `the outbox is full: ${formatBytes(queued)} queued, relay.maxOutboxBytes is ${formatBytes(maxOutboxBytes)}; this message (${formatBytes(bytes)}) was not accepted. Queued mail is kept; it leaves once the mail server takes it (see appliance-mail status)`,
        { details: { queuedBytes: queued, maxOutboxBytes, messageBytes: bytes } },
      );
    }
    if (minFreeBytes > 0) {
      const free = await freeSpace.available();
      if (free - reservedBytes - bytes < minFreeBytes) {
        throw new AppError(
          'AM_OUTBOX_FULL',
          `the state filesystem is nearly full: ${formatBytes(free)} free under ${dir}, relay.minFreeBytes is ${formatBytes(minFreeBytes)}; this message (${formatBytes(bytes)}) was not accepted. Free space there; queued mail is kept`,
          { details: { freeBytes: free, minFreeBytes, messageBytes: bytes } },
        );
      }
    }
  }

  async function store(input: NewMessage, keyDigest: string | null): Promise<{ id: string; duplicate: boolean }> {
    const id = newMessageId();
    const createdAt = Date.now();
    const body = await renderMessage({ id, to: input.to, subject: input.subject, text: input.text, html: input.html, createdAt, domain: messageIdDomain() });
    await checkRoom(body.length);
    reservedBytes += body.length;
    try {
      const record: OutboxRecord = { t: 'enq', id, kind: input.kind, to: input.to, subject: listedSubject(input.subject), createdAt, key: input.idempotencyKey, kd: keyDigest, size: body.length };
      // Written first, applied after: a message that is not on disk must not be delivered.
      const [ref] = await journal.append([{ meta: record, body }]);
      freeSpace.wrote(body.length);
      apply(record, ref ?? null);
      tell('accepted', { kind: input.kind, createdAt }, Date.now());
      return { id, duplicate: false };
    } finally {
      reservedBytes -= body.length;
    }
  }

  function targets(ids: readonly string[] | 'all-dead', allowed: (e: Entry) => boolean, what: string): string[] {
    if (ids === 'all-dead') return [...entries.values()].filter((e) => e.state === 'dead').map((e) => e.id);
    const unique = [...new Set(ids)];
    for (const id of unique) {
      if (!allowed(need(id))) throw new AppError('AM_INVALID_ARGUMENT', `message ${id} ${what}`);
    }
    return unique;
  }

  return {
    replay: report,
    async enqueue(input) {
      const key = input.idempotencyKey;
      if (!key) return store(input, null);
      const digest = contentDigest(input);
      const existing = byKey.get(key);
      if (existing) return sameContent(key, existing, digest);
      const inFlight = keysInFlight.get(key);
      if (inFlight) return sameContent(key, { id: (await inFlight).id, digest: inFlightDigests.get(key) ?? null }, digest);
      const stored = store(input, digest);
      keysInFlight.set(key, stored);
      inFlightDigests.set(key, digest);
      try {
        return await stored;
      } finally {
        keysInFlight.delete(key);
        inFlightDigests.delete(key);
      }
    },
    due(now, limit) {
      // Retries whose time came join the queue of their priority, behind those already waiting.
      for (let top = later.peek(); top && top.nextAt <= now; top = later.peek()) {
        later.pop();
        const entry = entries.get(top.id);
        if (entry && !entry.sending && entry.state === 'deferred' && entry.nextAt === top.nextAt) ready[PRIORITY[entry.kind]]!.add(entry.id);
      }
      const out: Entry[] = [];
      for (const queue of ready) {
        for (const id of queue) {
          if (out.length >= limit) return out;
          const entry = entries.get(id);
          if (entry && !entry.sending && (entry.state === 'queued' || (entry.state === 'deferred' && entry.nextAt <= now))) {
            out.push(entry);
            continue;
          }
          queue.delete(id);
          if (entry && !entry.sending && entry.state === 'deferred') later.push({ id, nextAt: entry.nextAt });
        }
      }
      return out;
    },
    nextDueAt() {
      if (ready.some((queue) => queue.size > 0)) return 0;
      for (let top = later.peek(); top; top = later.peek()) {
        const entry = entries.get(top.id);
        if (entry && !entry.sending && entry.state === 'deferred' && entry.nextAt === top.nextAt) return top.nextAt;
        later.pop();
      }
      return null;
    },
    readMessage(entry, prefixBytes) {
      if (!entry.body) return Promise.reject(new AppError('AM_OUTBOX_CORRUPT', `the stored message ${entry.id} was damaged on disk; it cannot be sent`));
      return journal.readBody(entry.body, prefixBytes);
    },
    markSending(id, sending) {
      const entry = entries.get(id);
      if (!entry) return;
      entry.sending = sending;
      // Back from a send whose outcome did not change the entry, it is due again where it was.
      track(entry);
    },
    async markSent(id) {
      sentSinceStart++;
      const entry = entries.get(id);
      const at = Date.now();
      await write({ t: 'sent', id, at });
      if (entry) tell('sent', entry, at);
      maybeCompact();
    },
    async markDeferred(id, error, nextAt) {
      const entry = need(id);
      await write({ t: 'defer', id, attempts: entry.attempts + 1, nextAt, error });
      tell('deferred', entry, Date.now());
    },
    async markDead(id, error, to) {
      const entry = need(id);
      const at = Date.now();
      await write({ t: 'dead', id, at, attempts: entry.attempts + 1, error, to: to ?? entry.to });
      tell('dead', entry, at);
    },
    async requeue(ids) {
      const chosen = targets(ids, (e) => e.state !== 'queued', 'is already queued for delivery');
      const records: OutboxRecord[] = chosen.map((id) => ({ t: 'requeue', id, at: Date.now() }));
      for (const record of records) apply(record, null);
      if (records.length > 0) await journal.append(records.map((meta) => ({ meta })));
      return chosen.length;
    },
    async drop(ids) {
      const chosen = targets(ids, () => true, '');
      const records: OutboxRecord[] = chosen.map((id) => ({ t: 'drop', id }));
      for (const record of records) apply(record, null);
      if (records.length > 0) await journal.append(records.map((meta) => ({ meta })));
      maybeCompact();
      return chosen.length;
    },
    retryDeferredNow() {
      later.clear();
      let count = 0;
      for (const entry of entries.values()) {
        if (entry.state !== 'deferred') continue;
        count++;
        entry.nextAt = 0;
        if (!entry.sending) later.push({ id: entry.id, nextAt: 0 });
      }
      return count;
    },
    postpone(id, until) {
      const entry = entries.get(id);
      if (!entry || entry.state === 'dead') return;
      entry.state = 'deferred';
      entry.nextAt = until;
      track(entry);
    },
    get: (id) => entries.get(id),
    list: () => [...entries.values()],
    counts() {
      let queued = 0;
      let deferred = 0;
      let dead = 0;
      for (const entry of entries.values()) {
        if (entry.state === 'queued') queued++;
        else if (entry.state === 'deferred') deferred++;
        else dead++;
      }
      return { queued, deferred, dead, sentSinceStart, bytes: storedBytes };
    },
    onEvent(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      await journal.close();
    },
  };
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

/** What a resubmission must repeat for its key to name the same message. */
function contentDigest(input: NewMessage): string {
  const content = input.idempotencyContent ?? JSON.stringify([input.subject, input.text, input.html]);
  return createHash('sha256').update(JSON.stringify([input.kind, input.to, content])).digest('hex');
}

function sameContent(key: string, existing: { id: string; digest: string | null }, digest: string): { id: string; duplicate: boolean } {
  if (existing.digest === null || existing.digest === digest) return { id: existing.id, duplicate: true };
  throw new AppError(
    'AM_IDEMPOTENCY_CONFLICT',
    `idempotency key '${key.slice(0, 80)}' was already used for a different message (queued as ${existing.id}); nothing was queued. Give each new message its own key`,
    { details: { existingId: existing.id } },
  );
}
