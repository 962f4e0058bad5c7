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
import { countedTableOf, createCountedTable, type CountedTable } from '../util/counted-table.js';

const STATES: readonly EntryState[] = ['queued', 'deferred', 'dead'];
const DEAD = STATES.indexOf('dead');
const NO_BODY = -1;
const NO_ERROR = 0;
const FIRST_SLOTS = 1024;

/** Recipients as one key; a damaged record's non-array value is kept apart from any list. */
const recipientsKey = (to: readonly string[]) => (Array.isArray(to) ? `[${to.join('\n')}` : `?${String(to)}`);

/** The numeric columns, a value per slot. */
const COLUMN_TYPES = {
  kind: Uint32Array,
  source: Uint32Array,
  to: Uint32Array,
  /** The error's number in its table plus one (NO_ERROR: none). */
  error: Uint32Array,
  /** DOORS index plus one (0: a message stored before doors were recorded). */
  door: Uint8Array,
  state: Uint8Array,
  sending: Uint8Array,
  attempts: Uint32Array,
  size: Float64Array,
  createdAt: Float64Array,
  nextAt: Float64Array,
  /** The body's segment (NO_BODY: none), offset, length and CRC. */
  bodySeq: Int32Array,
  bodyOffset: Float64Array,
  bodyLength: Float64Array,
  bodyCrc: Int32Array,
} as const;
type ColumnName = keyof typeof COLUMN_TYPES;
export type Columns = { [K in ColumnName]: InstanceType<(typeof COLUMN_TYPES)[K]> };
export const COLUMN_NAMES = Object.keys(COLUMN_TYPES) as ColumnName[];

export function newColumns(length: number): Columns {
  return Object.fromEntries(COLUMN_NAMES.map((name) => [name, new COLUMN_TYPES[name](length)])) as unknown as Columns;
}

/**
 * A table packed: its messages in arrival order with no free slot between, each column as long
 * as the count, and the values its numbers name. A snapshot is read into one (and written as
 * one: packForSnapshot).
 */
export interface PackedTable {
  columns: Columns;
  ids: string[];
  subjects: string[];
  keys: Array<string | null>;
  keyDigests: Array<string | null>;
  kinds: Array<MessageKind | null>;
  sources: Array<string | null>;
  recipients: Array<readonly string[] | null>;
  errors: Array<string | null>;
}

export class EntryTable {
  private readonly slotOf = new Map<string, number>();
  private readonly free: number[] = [];
  /** Slots below it were used at some time; those not in use now are in `free`. */
  private end = 0;
  private capacity = FIRST_SLOTS;
  private ids: string[] = [];
  private subjects: string[] = [];
  private keys: Array<string | null> = [];
  private keyDigests: Array<string | null> = [];
  private c = newColumns(FIRST_SLOTS);
  private kinds = createCountedTable<MessageKind>((k) => k);
  private sources = createCountedTable<string>((s) => s);
  private recipients = createCountedTable<readonly string[]>(recipientsKey);
  private errors = createCountedTable<string>((e) => e);

  /**
   * The table a packed one describes. Throws when a number names no value: a snapshot whose CRC
   * held but that does not describe a table is our own bug, and must not become an index.
   */
  static unpack(p: PackedTable): EntryTable {
    const table = new EntryTable();
    const n = p.ids.length;
    if (COLUMN_NAMES.some((name) => p.columns[name].length !== n) || [p.subjects, p.keys, p.keyDigests].some((list) => list.length !== n)) throw new Error('columns of unequal length');
    table.capacity = Math.max(FIRST_SLOTS, n);
    table.c = newColumns(table.capacity);
    for (const name of COLUMN_NAMES) (table.c[name] as Float64Array).set(p.columns[name] as Float64Array);
    for (let slot = 0; slot < n; slot++) table.slotOf.set(p.ids[slot]!, slot);
    if (table.slotOf.size !== n) throw new Error('an id twice');
    table.end = n;
    // Taken over, not copied: a packed table is made to be unpacked once.
    [table.ids, table.subjects, table.keys, table.keyDigests] = [p.ids, p.subjects, p.keys, p.keyDigests];
    table.kinds = countedTableOf((k) => k, p.kinds, p.columns.kind);
    table.sources = countedTableOf((s) => s, p.sources, p.columns.source);
    table.recipients = countedTableOf(recipientsKey, p.recipients, p.columns.to);
    table.errors = countedTableOf((e) => e, p.errors, p.columns.error, NO_ERROR + 1);
    for (let slot = 0; slot < n; slot++) if (p.columns.state[slot]! >= STATES.length || p.columns.door[slot]! > DOORS.length) throw new Error('a state or door out of range');
    return table;
  }

  /**
   * This table as a snapshot holds it, made in this turn (it describes one moment): the columns
   * packed, and PackedTable's strings as the JSON text of one object, in pieces of at most `slice`
   * messages. No list of every message is built: the pieces are small and die young (lists of all
   * 100,000 and one JSON text of them held ~20 MB more RSS, until V8 gave it back).
   */
  packForSnapshot(slice = 10_000): { columns: Columns; json: Buffer[] } {
    const n = this.slotOf.size;
    const columns = newColumns(n);
    const order = new Int32Array(n);
    let inOrder = this.end === n;
    let at = 0;
    for (const slot of this.slotOf.values()) {
      inOrder &&= slot === at;
      order[at++] = slot;
    }
    // A column at a time (one kind of array per loop), and a plain copy when no slot was freed.
    for (const name of COLUMN_NAMES) gather(this.c[name], columns[name], order, inOrder);
    // A send in flight is memory only: after a start from the snapshot the message is due again.
    columns.sending.fill(0);
    const json: Buffer[] = [];
    const lists = { ids: this.ids, subjects: this.subjects, keys: this.keys, keyDigests: this.keyDigests };
    for (const [name, list] of Object.entries(lists)) {
      json.push(Buffer.from(`${json.length === 0 ? '{' : '],'}${JSON.stringify(name)}:[`));
      for (let from = 0; from < n; from += slice) {
        const piece = JSON.stringify(Array.from(order.subarray(from, from + slice), (slot) => list[slot]));
        json.push(Buffer.from(`${from > 0 ? ',' : ''}${piece.slice(1, -1)}`));
      }
    }
    const shared = { kinds: this.kinds.values(), sources: this.sources.values(), recipients: this.recipients.values(), errors: this.errors.values() };
    json.push(Buffer.from(`],${JSON.stringify(shared).slice(1)}`));
    return { columns, json };
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
    const c = this.c;
    this.slotOf.set(record.id, slot);
    this.ids[slot] = record.id;
    this.subjects[slot] = record.subject;
    this.keys[slot] = record.key;
    this.keyDigests[slot] = record.key === null ? null : record.keyDigest;
    c.kind[slot] = this.kinds.hold(record.kind);
    c.source[slot] = this.sources.hold(record.source);
    c.to[slot] = this.recipients.hold(record.to);
    c.error[slot] = NO_ERROR;
    c.door[slot] = record.door === null ? 0 : DOORS.indexOf(record.door) + 1;
    c.state[slot] = 0;
    c.sending[slot] = 0;
    c.attempts[slot] = 0;
    c.size[slot] = record.size;
    c.createdAt[slot] = record.createdAt;
    c.nextAt[slot] = 0;
    this.setBody(slot, body);
    return slot;
  }

  remove(slot: number): void {
    this.slotOf.delete(this.ids[slot]!);
    this.kinds.release(this.c.kind[slot]!);
    this.sources.release(this.c.source[slot]!);
    this.recipients.release(this.c.to[slot]!);
    this.setError(slot, null);
    this.ids[slot] = this.subjects[slot] = '';
    this.keys[slot] = this.keyDigests[slot] = null;
    this.free.push(slot);
  }

  /** A copy of the message in `slot`, as the rest of the outbox reads it. */
  entry(slot: number): Entry {
    const c = this.c;
    return {
      id: this.ids[slot]!,
      kind: this.kindOf(slot),
      subject: this.subjects[slot]!,
      createdAt: c.createdAt[slot]!,
      idempotencyKey: this.keys[slot]!,
      source: this.sourceOf(slot),
      door: this.doorOf(slot),
      size: c.size[slot]!,
      body: this.bodyOf(slot),
      state: this.stateOf(slot),
      to: this.recipients.value(c.to[slot]!),
      attempts: c.attempts[slot]!,
      nextAt: c.nextAt[slot]!,
      lastError: c.error[slot] === NO_ERROR ? null : this.errors.value(c.error[slot]! - 1),
      sending: c.sending[slot] === 1,
    };
  }

  /** What the scheduler reads of a message, without the rest of a copy. */
  schedulable(slot: number): Schedulable {
    return { id: this.ids[slot]!, kind: this.kindOf(slot), source: this.sourceOf(slot), state: this.stateOf(slot), nextAt: this.c.nextAt[slot]!, sending: this.c.sending[slot] === 1 };
  }

  stateCounts(): Record<EntryState, number> {
    const counts: Record<EntryState, number> = { queued: 0, deferred: 0, dead: 0 };
    for (const slot of this.slotOf.values()) counts[STATES[this.c.state[slot]!]!]++;
    return counts;
  }

  /** Ids of the messages that match, in arrival order, read from the columns (no copies). */
  idsWhere(test: { createdBefore?: number; notDead?: boolean; notSending?: boolean; bodyIn?: number }): string[] {
    const c = this.c;
    const ids: string[] = [];
    for (const slot of this.slotOf.values()) {
      if (test.createdBefore !== undefined && c.createdAt[slot]! >= test.createdBefore) continue;
      if ((test.notDead && c.state[slot] === DEAD) || (test.notSending && c.sending[slot] === 1)) continue;
      if (test.bodyIn !== undefined && c.bodySeq[slot] !== test.bodyIn) continue;
      ids.push(this.ids[slot]!);
    }
    return ids;
  }

  /** When the oldest message not dead came in, or null. */
  oldestWaitingSince(): number | null {
    let oldest: number | null = null;
    for (const slot of this.slotOf.values()) if (this.c.state[slot] !== DEAD && (oldest === null || this.c.createdAt[slot]! < oldest)) oldest = this.c.createdAt[slot]!;
    return oldest;
  }

  kindOf(slot: number): MessageKind {
    return this.kinds.value(this.c.kind[slot]!);
  }

  sourceOf(slot: number): string {
    return this.sources.value(this.c.source[slot]!);
  }

  doorOf(slot: number): Door | null {
    return this.c.door[slot] === 0 ? null : DOORS[this.c.door[slot]! - 1]!;
  }

  stateOf(slot: number): EntryState {
    return STATES[this.c.state[slot]!]!;
  }

  sizeOf(slot: number): number {
    return this.c.size[slot]!;
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
    const c = this.c;
    if (c.bodySeq[slot] === NO_BODY) return null;
    return { seq: c.bodySeq[slot]!, offset: c.bodyOffset[slot]!, length: c.bodyLength[slot]!, crc: c.bodyCrc[slot]! };
  }

  setBody(slot: number, body: BodyRef | null): void {
    const c = this.c;
    c.bodySeq[slot] = body ? body.seq : NO_BODY;
    c.bodyOffset[slot] = body?.offset ?? 0;
    c.bodyLength[slot] = body?.length ?? 0;
    c.bodyCrc[slot] = body?.crc ?? 0;
  }

  /** True when the body lies where `ref` says (both none counts). */
  bodyIs(slot: number, ref: BodyRef | null): boolean {
    const c = this.c;
    if (!ref) return c.bodySeq[slot] === NO_BODY;
    return c.bodySeq[slot] === ref.seq && c.bodyOffset[slot] === ref.offset && c.bodyLength[slot] === ref.length;
  }

  setProgress(slot: number, change: { state?: EntryState; attempts?: number; nextAt?: number; error?: string | null; to?: readonly string[] }): void {
    const c = this.c;
    if (change.state !== undefined) c.state[slot] = STATES.indexOf(change.state);
    if (change.attempts !== undefined) c.attempts[slot] = change.attempts;
    if (change.nextAt !== undefined) c.nextAt[slot] = change.nextAt;
    if (change.error !== undefined) this.setError(slot, change.error);
    if (change.to !== undefined) {
      const held = this.recipients.hold(change.to);
      this.recipients.release(c.to[slot]!);
      c.to[slot] = held;
    }
  }

  setSending(slot: number, sending: boolean): void {
    this.c.sending[slot] = sending ? 1 : 0;
  }

  private setError(slot: number, error: string | null): void {
    const held = error === null ? NO_ERROR : this.errors.hold(error) + 1;
    if (this.c.error[slot] !== NO_ERROR) this.errors.release(this.c.error[slot]! - 1);
    this.c.error[slot] = held;
  }

  /** Twice the room, the columns copied over. */
  private grow(): void {
    this.capacity *= 2;
    const wider = newColumns(this.capacity);
    for (const name of COLUMN_NAMES) (wider[name] as Float64Array).set(this.c[name] as Float64Array);
    this.c = wider;
  }
}

/** `to[i] = from[order[i]]`, or the first `to.length` values when `inOrder`. */
function gather(from: Columns[ColumnName], to: Columns[ColumnName], order: Int32Array, inOrder: boolean): void {
  const into = to as Float64Array;
  const source = from as Float64Array;
  if (inOrder) into.set(source.subarray(0, into.length));
  else for (let at = 0; at < order.length; at++) into[at] = source[order[at]!]!;
}
