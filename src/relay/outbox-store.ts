/**
 * How a message gets into the outbox: rendered once, checked against its caller's share of the
 * room, written to the journal (acknowledged once on disk), then put in the index. Idempotency
 * keys are looked up first, per caller. The messages of a version 0.1.0 journal come in here too.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { FreeSpace } from './free-space.js';
import type { Journal } from './journal.js';
import type { LegacyCopy } from './legacy-migration.js';
import { contentDigest, type Idempotency } from './outbox-idempotency.js';
import type { OutboxIndex } from './outbox-index.js';
import { encodeRecord, MESSAGE_KINDS, sourceOf, type Caller, type MessageKind, type OutboxRecord } from './outbox-records.js';
import { checkRoom, laneOf, LANES, type Lane, type RoomLimits, type RoomUse } from './outbox-room.js';
import type { NewMessage } from './outbox-records.js';
import { renderMessage, renderRawMessage } from './render.js';

/** The subject as listed (`appliance-mail outbox`); the whole one is in the stored message. */
const LISTED_SUBJECT_CHARS = 80;

export interface MessageStore {
  enqueue(input: NewMessage, caller: Caller): Promise<{ id: string; duplicate: boolean }>;
  /** Messages of a version 0.1.0 journal, rendered as intake renders, with their ids and states. */
  copyLegacy(batch: LegacyCopy[]): Promise<void>;
}

export function createMessageStore(deps: {
  dir: string;
  log: Logger;
  index: OutboxIndex;
  idempotency: Idempotency;
  freeSpace: FreeSpace;
  limits: () => RoomLimits;
  /** The Message-ID domain (mailServer.heloName). */
  messageIdDomain: () => string;
  journal: () => Journal;
  /** Throws AM_STATE_LOST while the state folder is lost. */
  refuseIfLost: () => void;
  accepted: (entry: { kind: MessageKind; createdAt: number }) => void;
}): MessageStore {
  const { dir, log, index, idempotency, freeSpace, limits } = deps;
  /** Bytes of submissions being written, per lane: counted against the room before they land. */
  const reserved: Record<Lane, number> = Object.fromEntries(LANES.map((lane) => [lane, 0])) as Record<Lane, number>;

  async function use(): Promise<RoomUse> {
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
    deps.refuseIfLost();
    const id = newMessageId();
    const createdAt = Date.now();
    const body = input.raw ? renderRawMessage(id, input.raw, deps.messageIdDomain()) : renderMessage({ id, to: input.to, subject: input.subject, text: input.text, html: input.html, createdAt, domain: deps.messageIdDomain() });
    const lane = laneOf(caller.door, input.kind);
    checkRoom(await use(), limits(), lane, body.length, dir);
    reserved[lane] += body.length;
    try {
      const record: OutboxRecord = { type: 'enqueue', id, kind: input.kind, to: input.to, subject: listedSubject(input.subject), createdAt, key: input.idempotencyKey, keyDigest, source: sourceOf(caller), door: caller.door, size: body.length };
      // Written first, applied after: a message that is not on disk must not be delivered. Applied
      // in the same turn as the append resolves, with no await between: an index snapshot (taken in
      // a timer's turn, when the journal is idle) never sees a record on disk and not in the index.
      deps.refuseIfLost();
      const [ref] = await deps.journal().append([{ meta: encodeRecord(record), body }]);
      freeSpace.wrote(body.length);
      index.apply(record, ref ?? null);
      deps.accepted({ kind: input.kind, createdAt });
      return { id, duplicate: false };
    } finally {
      reserved[lane] -= body.length;
    }
  }

  return {
    async enqueue(input, caller) {
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
    async copyLegacy(batch) {
      const records = batch.map(({ message: m, state: progress }) => {
        const body = renderMessage({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, createdAt: m.createdAt, domain: deps.messageIdDomain() });
        // Kinds were the same set in 0.1.0; anything else would be damage that passed the CRC.
        const kind: MessageKind = (MESSAGE_KINDS as readonly string[]).includes(m.kind) ? (m.kind as MessageKind) : 'appliance';
        const record: OutboxRecord = { type: 'enqueue', id: m.id, kind, to: m.to, subject: listedSubject(m.subject), createdAt: m.createdAt, key: m.idempotencyKey, keyDigest: null, source: '', door: null, size: body.length, progress };
        return { record, body };
      });
      const refs = await deps.journal().append(records.map(({ record, body }) => ({ meta: encodeRecord(record), body })));
      records.forEach(({ record }, i) => index.apply(record, refs[i] ?? null));
    },
  };
}

function listedSubject(subject: string): string {
  if (subject.length <= LISTED_SUBJECT_CHARS) return subject;
  // Cut on a code point, not inside a surrogate pair.
  return `${Array.from(subject).slice(0, LISTED_SUBJECT_CHARS - 1).join('')}…`;
}

/** Sortable by time of acceptance, unique without coordination. */
/** Random bytes drawn 4,000 at a time: one call into OpenSSL per 800 ids, not one per id (1 % of intake's CPU). */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function newMessageId(): string {
  if (randomAt + 5 > randomPool.length) {
    randomPool = randomBytes(4000);
    randomAt = 0;
  }
  randomAt += 5;
  return `${Date.now().toString(36).padStart(9, '0')}-${randomPool.toString('hex', randomAt - 5, randomAt)}`;
}
