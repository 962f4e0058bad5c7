/**
 * Where the outbox index keeps its messages: a slot each in columns of typed arrays, not an object
 * each. 100,000 queued messages are then a few arrays for the collector to trace and start-up to
 * fill, instead of 100,000 objects, each with its own boxed times and body reference. What
 * messages share (kind, source, recipients, last error) is kept once in a counted table and named
 * by number; only the id and the subject are strings of a message's own. Callers get an Entry,
 * a copy made when asked for; every change goes through the index.
 */
import type { BodyRef } from './journal.js';
import type { Schedulable } from './outbox-scheduler.js';
import { DOORS, type Door, type EnqueueRecord, type Entry, type EntryState, type MessageKind } from './outbox-records.js';
import { createCountedTable, type CountedTable } from '../util/counted-table.js';

const STATES: readonly EntryState[] = ['queued', 'deferred', 'dead'];
const NO_BODY = -1;
const NO_ERROR = 0;
const FIRST_SLOTS = 1024;

/** Recipients as one key; a damaged record's non-array value is kept apart from any list. */
const recipientsKey = (to: readonly string[]) => (Array.isArray(to) ? `[${to.join('\n')}` : `?${String(to)}`);

export class EntryTable {
  private readonly slotOf = new Map<string, number>();
  private readonly free: number[] = [];
  /** Slots below it were used at some time; those not in use now are in `free`. */
  private end = 0;
  private capacity = FIRST_SLOTS;
  private readonly ids: string[] = [];
  private readonly subjects: string[] = [];
  private readonly keys: Array<string | null> = [];
  private readonly keyDigests: Array<string | null> = [];
  private kind = new Uint32Array(FIRST_SLOTS);
  private source = new Uint32Array(FIRST_SLOTS);
  private to = new Uint32Array(FIRST_SLOTS);
  /** The error's number in its table plus one (NO_ERROR: none). */
  private error = new Uint32Array(FIRST_SLOTS);
  /** DOORS index plus one (0: a message stored before doors were recorded). */
  private door = new Uint8Array(FIRST_SLOTS);
  private state = new Uint8Array(FIRST_SLOTS);
  private sending = new Uint8Array(FIRST_SLOTS);
  private attempts = new Uint32Array(FIRST_SLOTS);
  private size = new Float64Array(FIRST_SLOTS);
  private createdAt = new Float64Array(FIRST_SLOTS);
  private nextAt = new Float64Array(FIRST_SLOTS);
  /** The body's segment (NO_BODY: none), offset, length and CRC. */
  private bodySeq = new Int32Array(FIRST_SLOTS);
  private bodyOffset = new Float64Array(FIRST_SLOTS);
  private bodyLength = new Float64Array(FIRST_SLOTS);
  private bodyCrc = new Int32Array(FIRST_SLOTS);
  private readonly kinds: CountedTable<MessageKind>;
  private readonly sources: CountedTable<string>;
  private readonly recipients: CountedTable<readonly string[]>;
  private readonly errors: CountedTable<string>;

  /** A new table, or a copy of `from` that later changes of either do not reach. */
  constructor(from?: EntryTable) {
    this.kinds = from?.kinds.clone() ?? createCountedTable<MessageKind>((k) => k);
    this.sources = from?.sources.clone() ?? createCountedTable<string>((s) => s);
    this.recipients = from?.recipients.clone() ?? createCountedTable<readonly string[]>(recipientsKey);
    this.errors = from?.errors.clone() ?? createCountedTable<string>((e) => e);
    if (!from) return;
    for (const [id, slot] of from.slotOf) this.slotOf.set(id, slot);
    for (const slot of from.free) this.free.push(slot);
    this.end = from.end;
    this.capacity = from.capacity;
    for (let slot = 0; slot < from.end; slot++) {
      this.ids[slot] = from.ids[slot]!;
      this.subjects[slot] = from.subjects[slot]!;
      this.keys[slot] = from.keys[slot]!;
      this.keyDigests[slot] = from.keyDigests[slot]!;
    }
    this.kind = from.kind.slice();
    this.source = from.source.slice();
    this.to = from.to.slice();
    this.error = from.error.slice();
    this.door = from.door.slice();
    this.state = from.state.slice();
    this.sending = from.sending.slice();
    this.attempts = from.attempts.slice();
    this.size = from.size.slice();
    this.createdAt = from.createdAt.slice();
    this.nextAt = from.nextAt.slice();
    this.bodySeq = from.bodySeq.slice();
    this.bodyOffset = from.bodyOffset.slice();
    this.bodyLength = from.bodyLength.slice();
    this.bodyCrc = from.bodyCrc.slice();
  }

  get count(): number {
    return this.slotOf.size;
  }

  slot(id: string): number | undefined {
    return this.slotOf.get(id);
  }

  /** Slots in the order their messages came (a copy's message keeps its place). */
  slots(): IterableIterator<number> {
    return this.slotOf.values();
  }

  /** A new message, queued, from its enqueue record. */
  add(record: EnqueueRecord, body: BodyRef | null): number {
    const slot = this.free.pop() ?? this.end++;
    if (slot >= this.capacity) this.grow();
    this.slotOf.set(record.id, slot);
    this.ids[slot] = record.id;
    this.subjects[slot] = record.subject;
    this.keys[slot] = record.key;
    this.keyDigests[slot] = record.key === null ? null : record.keyDigest;
    this.kind[slot] = this.kinds.hold(record.kind);
    this.source[slot] = this.sources.hold(record.source);
    this.to[slot] = this.recipients.hold(record.to);
    this.error[slot] = NO_ERROR;
    this.door[slot] = record.door === null ? 0 : DOORS.indexOf(record.door) + 1;
    this.state[slot] = 0;
    this.sending[slot] = 0;
    this.attempts[slot] = 0;
    this.size[slot] = record.size;
    this.createdAt[slot] = record.createdAt;
    this.nextAt[slot] = 0;
    this.setBody(slot, body);
    return slot;
  }

  remove(slot: number): void {
    this.slotOf.delete(this.ids[slot]!);
    this.kinds.release(this.kind[slot]!);
    this.sources.release(this.source[slot]!);
    this.recipients.release(this.to[slot]!);
    this.setError(slot, null);
    this.ids[slot] = this.subjects[slot] = '';
    this.keys[slot] = this.keyDigests[slot] = null;
    this.free.push(slot);
  }

  /** A copy of the message in `slot`, as the rest of the outbox reads it. */
  entry(slot: number): Entry {
    return {
      id: this.ids[slot]!,
      kind: this.kindOf(slot),
      subject: this.subjects[slot]!,
      createdAt: this.createdAt[slot]!,
      idempotencyKey: this.keys[slot]!,
      source: this.sourceOf(slot),
      door: this.doorOf(slot),
      size: this.size[slot]!,
      body: this.bodyOf(slot),
      state: this.stateOf(slot),
      to: this.recipients.value(this.to[slot]!),
      attempts: this.attempts[slot]!,
      nextAt: this.nextAt[slot]!,
      lastError: this.error[slot] === NO_ERROR ? null : this.errors.value(this.error[slot]! - 1),
      sending: this.sending[slot] === 1,
    };
  }

  /** What the scheduler reads of a message, without the rest of a copy. */
  schedulable(slot: number): Schedulable {
    return { id: this.ids[slot]!, kind: this.kindOf(slot), source: this.sourceOf(slot), state: this.stateOf(slot), nextAt: this.nextAt[slot]!, sending: this.sending[slot] === 1 };
  }

  stateCounts(): Record<EntryState, number> {
    const counts: Record<EntryState, number> = { queued: 0, deferred: 0, dead: 0 };
    for (const slot of this.slotOf.values()) counts[STATES[this.state[slot]!]!]++;
    return counts;
  }

  kindOf(slot: number): MessageKind {
    return this.kinds.value(this.kind[slot]!);
  }

  sourceOf(slot: number): string {
    return this.sources.value(this.source[slot]!);
  }

  doorOf(slot: number): Door | null {
    return this.door[slot] === 0 ? null : DOORS[this.door[slot]! - 1]!;
  }

  stateOf(slot: number): EntryState {
    return STATES[this.state[slot]!]!;
  }

  sizeOf(slot: number): number {
    return this.size[slot]!;
  }

  idOf(slot: number): string {
    return this.ids[slot]!;
  }

  keyOf(slot: number): string | null {
    return this.keys[slot]!;
  }

  keyDigestOf(slot: number): string | null {
    return this.keyDigests[slot]!;
  }

  bodyOf(slot: number): BodyRef | null {
    if (this.bodySeq[slot] === NO_BODY) return null;
    return { seq: this.bodySeq[slot]!, offset: this.bodyOffset[slot]!, length: this.bodyLength[slot]!, crc: this.bodyCrc[slot]! };
  }

  setBody(slot: number, body: BodyRef | null): void {
    this.bodySeq[slot] = body ? body.seq : NO_BODY;
    this.bodyOffset[slot] = body?.offset ?? 0;
    this.bodyLength[slot] = body?.length ?? 0;
    this.bodyCrc[slot] = body?.crc ?? 0;
  }

  /** True when the body lies where `ref` says (both none counts). */
  bodyIs(slot: number, ref: BodyRef | null): boolean {
    if (!ref) return this.bodySeq[slot] === NO_BODY;
    return this.bodySeq[slot] === ref.seq && this.bodyOffset[slot] === ref.offset && this.bodyLength[slot] === ref.length;
  }

  setProgress(slot: number, change: { state?: EntryState; attempts?: number; nextAt?: number; error?: string | null; to?: readonly string[] }): void {
    if (change.state !== undefined) this.state[slot] = STATES.indexOf(change.state);
    if (change.attempts !== undefined) this.attempts[slot] = change.attempts;
    if (change.nextAt !== undefined) this.nextAt[slot] = change.nextAt;
    if (change.error !== undefined) this.setError(slot, change.error);
    if (change.to !== undefined) {
      const held = this.recipients.hold(change.to);
      this.recipients.release(this.to[slot]!);
      this.to[slot] = held;
    }
  }

  setSending(slot: number, sending: boolean): void {
    this.sending[slot] = sending ? 1 : 0;
  }

  private setError(slot: number, error: string | null): void {
    const held = error === null ? NO_ERROR : this.errors.hold(error) + 1;
    if (this.error[slot] !== NO_ERROR) this.errors.release(this.error[slot]! - 1);
    this.error[slot] = held;
  }

  /** Twice the room, the columns copied over. */
  private grow(): void {
    this.capacity *= 2;
    const wider = <A extends Uint8Array | Uint32Array | Int32Array | Float64Array>(column: A): A => {
      const next = new (column.constructor as new (n: number) => A)(this.capacity);
      next.set(column);
      return next;
    };
    this.kind = wider(this.kind);
    this.source = wider(this.source);
    this.to = wider(this.to);
    this.error = wider(this.error);
    this.door = wider(this.door);
    this.state = wider(this.state);
    this.sending = wider(this.sending);
    this.attempts = wider(this.attempts);
    this.size = wider(this.size);
    this.createdAt = wider(this.createdAt);
    this.nextAt = wider(this.nextAt);
    this.bodySeq = wider(this.bodySeq);
    this.bodyOffset = wider(this.bodyOffset);
    this.bodyLength = wider(this.bodyLength);
    this.bodyCrc = wider(this.bodyCrc);
  }
}
