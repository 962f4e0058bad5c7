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
  /** A copy that later changes do not reach. */
  clone(): CountedTable<T>;
}

export function createCountedTable<T>(keyOf: (value: T) => string, from?: { values: Array<T | undefined>; holders: number[]; refOf: Map<string, number>; free: number[] }): CountedTable<T> {
  const values = from ? [...from.values] : [];
  const holders = from ? [...from.holders] : [];
  const refOf = new Map(from?.refOf);
  const free = from ? [...from.free] : [];
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
    clone: () => createCountedTable(keyOf, { values, holders, refOf, free }),
  };
}
