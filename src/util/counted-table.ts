/**
 * Values many records share, kept once and named by a small number. The outbox's 100,000 queued
 * messages mostly name the same few sources, recipients and errors: each message holds the
 * number, the table holds the value and how many hold it, and a value goes when its last holder
 * does. So unique values (error texts that quote an id) cost one copy each, never more, and
 * nothing outlives the messages that use it.
 */
export interface CountedTable<T> {
  /** The number of `value` (of an equal one already kept), counted once more. */
  hold(value: T): number;
  value(ref: number): T;
  /** One holder fewer; the value goes with its last. */
  release(ref: number): void;
  /** Distinct values kept. */
  readonly size: number;
  /** Every value by its number (null: a number not in use), for a snapshot. */
  values(): Array<T | null>;
}

export function createCountedTable<T>(keyOf: (value: T) => string, from?: { values: Array<T | undefined>; holders: number[] }): CountedTable<T> {
  const values = from?.values ?? [];
  const holders = from?.holders ?? [];
  const refOf = new Map<string, number>();
  const free: number[] = [];
  values.forEach((value, ref) => (value === undefined ? free.push(ref) : refOf.set(keyOf(value), ref)));
  return {
    hold(value) {
      const key = keyOf(value);
      let ref = refOf.get(key);
      if (ref === undefined) {
        ref = free.pop() ?? values.length;
        values[ref] = value;
        holders[ref] = 0;
        refOf.set(key, ref);
      }
      holders[ref]!++;
      return ref;
    },
    value: (ref) => values[ref] as T,
    release(ref) {
      if (--holders[ref]! > 0) return;
      refOf.delete(keyOf(values[ref] as T));
      values[ref] = undefined;
      free.push(ref);
    },
    get size() {
      return refOf.size;
    },
    values: () => Array.from(values, (value) => (value === undefined ? null : value)),
  };
}

/**
 * The table of a snapshot: its values by number, each held as often as `refs` names it (stored
 * plus `shift`: with 1, a 0 names nothing). Throws when a number names no value, or a value is
 * kept that no one holds.
 */
export function countedTableOf<T>(keyOf: (value: T) => string, values: ReadonlyArray<T | null>, refs: ArrayLike<number>, shift = 0): CountedTable<T> {
  const holders = values.map(() => 0);
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]! - shift;
    if (ref < 0) continue;
    if (values[ref] === null || values[ref] === undefined) throw new Error(`number ${ref} names no value`);
    holders[ref]!++;
  }
  if (values.some((value, ref) => value !== null && holders[ref] === 0)) throw new Error('a value no one holds');
  return createCountedTable(keyOf, { values: values.map((value) => (value === null ? undefined : value)), holders });
}
