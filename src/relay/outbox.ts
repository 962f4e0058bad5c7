/**
 * The durable outbox: every accepted message, its delivery state and its dead letters. State is
 * held in memory and every change is a record in the journal; a message is acknowledged only
 * once its record is on disk. On start the journal is replayed; what was being sent when the
 * daemon died is sent again (at-least-once).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { PRIVATE_DIR_MODE } from '../util/durable-file.js';
import { MinHeap } from '../util/min-heap.js';
import { openJournal, type ReplayReport } from './journal.js';

export const MESSAGE_KINDS = ['alert', 'digest', 'appliance', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface StoredMessage {
  id: string;
  kind: MessageKind;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  createdAt: number;
  idempotencyKey: string | null;
}

export type EntryState = 'queued' | 'deferred' | 'dead';

export interface Entry {
  message: StoredMessage;
  state: EntryState;
  /** Recipients still to deliver to (fewer than message.to after a partial failure). */
  to: string[];
  attempts: number;
  nextAt: number;
  lastError: string | null;
  /** True while a delivery attempt is in flight (not persisted: a crash means "send again"). */
  sending: boolean;
}

type JournalRecord =
  | { t: 'enq'; m: StoredMessage }
  | { t: 'sent'; id: string; at: number }
  | { t: 'defer'; id: string; attempts: number; nextAt: number; error: string }
  | { t: 'dead'; id: string; at: number; attempts: number; error: string; to: string[] }
  | { t: 'requeue'; id: string; at: number }
  | { t: 'drop'; id: string };

/** Compaction starts once the journal is this large and mostly holds finished messages. */
const COMPACT_MIN_BYTES = 32 * 1024 * 1024;

export interface OutboxCounts {
  queued: number;
  deferred: number;
  dead: number;
  sentSinceStart: number;
}

export interface Outbox {
  readonly replay: ReplayReport;
  /** Stores a new message durably; with a known idempotency key, returns the existing id. */
  enqueue(input: Omit<StoredMessage, 'id' | 'createdAt'>): Promise<{ id: string; duplicate: boolean }>;
  /** Entries due for delivery now, oldest first, not already being sent. */
  due(now: number, limit: number): Entry[];
  /** When the next deferred entry falls due, or null. */
  nextDueAt(): number | null;
  markSending(id: string, sending: boolean): void;
  markSent(id: string): Promise<void>;
  markDeferred(id: string, error: string, nextAt: number): Promise<void>;
  markDead(id: string, error: string, to?: string[]): Promise<void>;
  /** Dead letters back into the queue; returns how many. */
  requeue(ids: string[] | 'all-dead'): Promise<number>;
  drop(id: string): Promise<void>;
  /** Makes every deferred entry due now (the settings changed: the old failure may be gone). */
  retryDeferredNow(): void;
  /**
   * Holds an entry back until `until`, in memory only: used when the outcome of a send could not
   * be written (disk full), so that the message is not sent again at once, in a loop.
   */
  postpone(id: string, until: number): void;
  get(id: string): Entry | undefined;
  list(): Entry[];
  counts(): OutboxCounts;
  close(): Promise<void>;
}

export async function openOutbox(stateDir: string, log: Logger, options: { compactMinBytes?: number } = {}): Promise<Outbox> {
  const compactMinBytes = options.compactMinBytes ?? COMPACT_MIN_BYTES;
  const dir = join(stateDir, 'outbox');
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const entries = new Map<string, Entry>();
  /**
   * What can be sent now (queued, not in flight), oldest first, and what waits for a retry time,
   * soonest first: finding the next message costs the same with 10 or 100,000 in the outbox.
   * Heap items go stale when an entry changes; they are checked and skipped when popped.
   */
  const ready = new Set<string>();
  const later = new MinHeap<{ id: string; nextAt: number }>((a, b) => a.nextAt < b.nextAt);
  const byKey = new Map<string, string>();
  /** About how many journal bytes the live messages take: kept as they come and go, for compaction. */
  let liveBytes = 0;
  /** Keys whose first submission is still being written: a concurrent retry waits for it. */
  const keysInFlight = new Map<string, Promise<{ id: string; duplicate: boolean }>>();
  let sentSinceStart = 0;

  /** Puts an entry where the scheduler looks for it, after any change of its state. */
  function track(entry: Entry): void {
    const id = entry.message.id;
    if (entry.sending || entry.state !== 'queued') ready.delete(id);
    if (entry.sending) return;
    if (entry.state === 'queued') ready.add(id);
    else if (entry.state === 'deferred') later.push({ id, nextAt: entry.nextAt });
  }

  function apply(record: JournalRecord): void {
    applyRecord(record);
    const entry = 'id' in record ? entries.get(record.id) : entries.get(record.m.id);
    if (entry) track(entry);
    else ready.delete('id' in record ? record.id : record.m.id);
  }

  function applyRecord(record: JournalRecord): void {
    switch (record.t) {
      case 'enq': {
        const m = record.m;
        if (!entries.has(m.id)) {
          entries.set(m.id, { message: m, state: 'queued', to: [...m.to], attempts: 0, nextAt: 0, lastError: null, sending: false });
          if (m.idempotencyKey) byKey.set(m.idempotencyKey, m.id);
          liveBytes += recordBytes(m);
        }
        return;
      }
      case 'sent':
      case 'drop': {
        const entry = entries.get(record.id);
        if (entry?.message.idempotencyKey && record.t === 'drop') byKey.delete(entry.message.idempotencyKey);
        if (entry) liveBytes -= recordBytes(entry.message);
        entries.delete(record.id);
        return;
      }
      case 'defer': {
        const entry = entries.get(record.id);
        if (entry) Object.assign(entry, { state: 'deferred', attempts: record.attempts, nextAt: record.nextAt, lastError: record.error });
        return;
      }
      case 'dead': {
        const entry = entries.get(record.id);
        if (entry) Object.assign(entry, { state: 'dead', attempts: record.attempts, lastError: record.error, to: record.to, nextAt: 0 });
        return;
      }
      case 'requeue': {
        const entry = entries.get(record.id);
        if (entry) Object.assign(entry, { state: 'queued', attempts: 0, nextAt: 0 });
        return;
      }
    }
  }

  const { journal, report } = await openJournal(dir, (record) => apply(record as JournalRecord));
  if (report.damaged.length > 0 || report.tornTailBytes > 0) {
    log.warn(
      { code: 'AM_OUTBOX_CORRUPT', records: report.records, damaged: report.damaged, tornTailBytes: report.tornTailBytes, live: entries.size },
      `outbox journal had damage: kept ${report.records} intact records (${entries.size} messages still to send); skipped ${report.damaged.reduce((n, d) => n + d.bytes, 0)} damaged bytes and a torn tail of ${report.tornTailBytes} bytes`,
    );
  } else {
    log.info({ records: report.records, live: entries.size }, `outbox loaded: ${entries.size} messages to send or dead`);
  }

  let compacting = false;
  async function write(record: JournalRecord): Promise<void> {
    apply(record);
    await journal.append([record]);
  }

  function maybeCompact(): void {
    if (compacting || journal.sizeBytes() < compactMinBytes) return;
    // If most of the file is finished messages, rewrite it with the live ones.
    if (liveBytes * 2 > journal.sizeBytes()) return;
    compacting = true;
    journal
      .rewrite(snapshot)
      .then(() => log.info({ live: entries.size, bytes: journal.sizeBytes() }, 'outbox journal compacted'))
      .catch((err: unknown) => log.error({ err }, 'outbox compaction failed; the journal keeps growing until it succeeds'))
      .finally(() => {
        compacting = false;
      });
  }

  function snapshot(): JournalRecord[] {
    const records: JournalRecord[] = [];
    for (const entry of entries.values()) {
      records.push({ t: 'enq', m: entry.message });
      if (entry.state === 'deferred') records.push({ t: 'defer', id: entry.message.id, attempts: entry.attempts, nextAt: entry.nextAt, error: entry.lastError ?? '' });
      if (entry.state === 'dead') records.push({ t: 'dead', id: entry.message.id, at: Date.now(), attempts: entry.attempts, error: entry.lastError ?? '', to: entry.to });
    }
    return records;
  }

  function need(id: string): Entry {
    const entry = entries.get(id);
    if (!entry) throw new AppError('AM_MESSAGE_UNKNOWN', `no message ${id} in the outbox (already sent or dropped?); see appliance-mail outbox`);
    return entry;
  }

  return {
    replay: report,
    async enqueue(input) {
      const key = input.idempotencyKey;
      if (key) {
        const existing = byKey.get(key);
        if (existing) return { id: existing, duplicate: true };
        const inFlight = keysInFlight.get(key);
        if (inFlight) return { id: (await inFlight).id, duplicate: true };
      }
      const message: StoredMessage = { ...input, id: newMessageId(), createdAt: Date.now() };
      const record: JournalRecord = { t: 'enq', m: message };
      // Written first, applied after: a message that is not on disk must not be delivered.
      const stored = journal.append([record]).then(() => {
        apply(record);
        return { id: message.id, duplicate: false };
      });
      if (!key) return stored;
      keysInFlight.set(key, stored);
      try {
        return await stored;
      } finally {
        keysInFlight.delete(key);
      }
    },
    due(now, limit) {
      const out: Entry[] = [];
      for (const id of ready) {
        if (out.length >= limit) break;
        const entry = entries.get(id);
        if (entry && !entry.sending && entry.state === 'queued') out.push(entry);
        else ready.delete(id);
      }
      while (out.length < limit) {
        const top = later.peek();
        if (!top || top.nextAt > now) break;
        later.pop();
        const entry = entries.get(top.id);
        if (entry && !entry.sending && entry.state === 'deferred' && entry.nextAt === top.nextAt) out.push(entry);
      }
      return out;
    },
    nextDueAt() {
      if (ready.size > 0) return 0;
      for (let top = later.peek(); top; top = later.peek()) {
        const entry = entries.get(top.id);
        if (entry && !entry.sending && entry.state === 'deferred' && entry.nextAt === top.nextAt) return top.nextAt;
        later.pop();
      }
      return null;
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
      await write({ t: 'sent', id, at: Date.now() });
      maybeCompact();
    },
    async markDeferred(id, error, nextAt) {
      const entry = need(id);
      await write({ t: 'defer', id, attempts: entry.attempts + 1, nextAt, error });
    },
    async markDead(id, error, to) {
      const entry = need(id);
      await write({ t: 'dead', id, at: Date.now(), attempts: entry.attempts + 1, error, to: to ?? entry.to });
    },
    async requeue(ids) {
      const targets = ids === 'all-dead' ? [...entries.values()].filter((e) => e.state === 'dead').map((e) => e.message.id) : ids;
      for (const id of targets) {
        if (need(id).state !== 'dead') throw new AppError('AM_INVALID_ARGUMENT', `message ${id} is not a dead letter; it is already queued for delivery`);
      }
      const records: JournalRecord[] = targets.map((id) => ({ t: 'requeue', id, at: Date.now() }));
      for (const record of records) apply(record);
      await journal.append(records);
      return targets.length;
    },
    async drop(id) {
      need(id);
      await write({ t: 'drop', id });
      maybeCompact();
    },
    retryDeferredNow() {
      later.clear();
      for (const entry of entries.values()) {
        if (entry.state !== 'deferred') continue;
        entry.nextAt = 0;
        if (!entry.sending) later.push({ id: entry.message.id, nextAt: 0 });
      }
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
      return { queued, deferred, dead, sentSinceStart };
    },
    close: () => journal.close(),
  };
}

/** A message's share of the journal, near enough to decide whether compaction pays. */
function recordBytes(m: StoredMessage): number {
  return (m.text?.length ?? 0) + (m.html?.length ?? 0) + m.subject.length + 300;
}

/** Sortable by time of acceptance, unique without coordination. */
function newMessageId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}
