/**
 * What the outbox keeps: its message kinds, the index entry of one message, and the records of
 * its journal, in the words the code uses and as they are written on disk.
 *
 * On disk a record is a small JSON object. Version 0.2 wrote short keys (`t`, `kd`, `s`, type
 * `enq`); they are still read, so that journals written before load, and only the words below
 * are written.
 */
import type { BodyRef } from './journal.js';
import type { RawContent } from './render.js';

export const MESSAGE_KINDS = ['alert', 'digest', 'appliance', 'test'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export type EntryState = 'queued' | 'deferred' | 'dead';

/**
 * Where a message came in and who sent it: `door` is the way in (the submitters' or the
 * administrators' control socket, sendmail, the submission port), `client` who used it there (a
 * source address on the port). Idempotency keys are scoped to it, room is shared by door, and
 * delivery takes turns between sources.
 */
export interface Caller {
  door: Door;
  client: string;
}

/**
 * `pickup` is the drop folder (as Postfix's maildrop): its client is the file owner's uid, and
 * its mail shares sendmail's lane (the same local programs send it).
 */
export const DOORS = ['submit-socket', 'admin-socket', 'sendmail', 'pickup', 'port', 'daemon'] as const;
export type Door = (typeof DOORS)[number];

/** The daemon itself (its own notifications and tests). */
export const DAEMON_CALLER: Caller = { door: 'daemon', client: '' };

/** One caller as a short stable string: the key of its idempotency scope and of its turn in delivery. */
export function sourceOf(caller: Caller): string {
  return caller.client === '' ? caller.door : `${caller.door}:${caller.client}`;
}

/** Delivery progress of a message, kept with a copy of its record (compaction, migration). */
export interface Progress {
  state: EntryState;
  attempts: number;
  nextAt: number;
  error: string | null;
  to: readonly string[];
}

/** One message in the index: what scheduling and listing need, and where its body is. */
export interface Entry {
  readonly id: string;
  readonly kind: MessageKind;
  /** Truncated for listing; the whole one is in the stored message. */
  readonly subject: string;
  readonly createdAt: number;
  readonly idempotencyKey: string | null;
  /** sourceOf(caller); '' for messages stored before sources were recorded. */
  readonly source: string;
  /** The door it came in by; null for messages stored before doors were recorded. */
  readonly door: Door | null;
  /** Bytes of the rendered message on disk. */
  readonly size: number;
  /** Where the rendered message is; null once it was found damaged and could not be kept. */
  body: BodyRef | null;
  state: EntryState;
  /**
   * Recipients still to deliver to (fewer than at intake after a partial failure). One array is
   * shared by the entries with the same recipients (see outbox-index): replaced, never changed.
   */
  to: readonly string[];
  /** Delivery attempts, counted on every try, across requeues. */
  attempts: number;
  nextAt: number;
  lastError: string | null;
  /** True while a delivery attempt is in flight (not persisted: a crash means "send again"). */
  sending: boolean;
}

export interface EnqueueRecord {
  type: 'enqueue';
  id: string;
  kind: MessageKind;
  to: readonly string[];
  subject: string;
  createdAt: number;
  key: string | null;
  /** The digest of what the key names (see outbox-idempotency.ts); null: matches any content. */
  keyDigest: string | null;
  /** sourceOf(caller) and its door; absent in records written before they were kept. */
  source: string;
  door: Door | null;
  size: number;
  /** Present on a copy: the message's progress when copied. */
  progress?: Progress;
}

export type OutboxRecord =
  | EnqueueRecord
  | { type: 'sent'; id: string; at: number }
  | { type: 'defer'; id: string; attempts: number; nextAt: number; error: string }
  | { type: 'dead'; id: string; at: number; attempts: number; error: string; to: readonly string[] }
  | { type: 'requeue'; id: string; at: number }
  | { type: 'drop'; id: string };

/** The record as written: absent optional fields left out, so that records stay short. */
export function encodeRecord(record: OutboxRecord): Record<string, unknown> {
  if (record.type !== 'enqueue') return record;
  const { keyDigest, source, door, progress, ...rest } = record;
  return { ...rest, ...(keyDigest ? { keyDigest } : {}), ...(source ? { source } : {}), ...(door ? { door } : {}), ...(progress ? { progress } : {}) };
}

/** A record as read back, from either the current words or the short keys of version 0.2. */
export function decodeRecord(meta: unknown): OutboxRecord | null {
  if (typeof meta !== 'object' || meta === null) return null;
  const raw = meta as Record<string, unknown>;
  const type = raw['type'] ?? raw['t'];
  if (type === 'enqueue' || type === 'enq') {
    const progress = (raw['progress'] ?? raw['s']) as Progress | undefined;
    // One object of one shape, and the constants for door and kind rather than the parsed copies:
    // 100,000 records are read at every start and their entries kept.
    return {
      type: 'enqueue',
      id: raw['id'] as string,
      kind: constantOf(MESSAGE_KINDS, raw['kind']) ?? (raw['kind'] as MessageKind),
      to: raw['to'] as string[],
      subject: raw['subject'] as string,
      createdAt: raw['createdAt'] as number,
      key: (raw['key'] ?? null) as string | null,
      keyDigest: (raw['keyDigest'] ?? raw['kd'] ?? null) as string | null,
      source: typeof raw['source'] === 'string' ? raw['source'] : '',
      door: constantOf(DOORS, raw['door']),
      size: raw['size'] as number,
      ...(progress ? { progress } : {}),
    };
  }
  if (type === 'sent' || type === 'defer' || type === 'dead' || type === 'requeue' || type === 'drop') {
    return { ...(raw as object), type } as OutboxRecord;
  }
  return null;
}

/** The list's own string equal to `value`, or null. */
function constantOf<T extends string>(list: readonly T[], value: unknown): T | null {
  const at = (list as readonly unknown[]).indexOf(value);
  return at < 0 ? null : list[at]!;
}

/** What a submitter asks to send, checked (see intake.ts). */
export interface NewMessage {
  kind: MessageKind;
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** A message taken whole (sendmail, the submission port): stored as it is, `text` and `html` unused. */
  raw?: RawContent;
  idempotencyKey: string | null;
  /**
   * What a resubmission under the same key must repeat to be the same message: by default the
   * message itself; a rendered notification (whose body carries the time) gives its request.
   */
  idempotencyContent?: string;
}
