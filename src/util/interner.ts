/**
 * One shared copy of equal values. The outbox keeps an entry per queued message, and 100,000 of
 * them mostly name the same few sources, recipients and errors: without sharing, each holds its
 * own copy (a third of the index's memory in the benchmark's backlog).
 *
 * Bounded: at `limit` distinct values the table starts over, so a stream of unique values (error
 * texts that quote an id) costs a table of at most `limit`, never one per message. Values already
 * handed out stay shared.
 */
export function createInterner<T>(keyOf: (value: T) => string, limit = 1024): (value: T) => T {
  let table = new Map<string, T>();
  return (value) => {
    const key = keyOf(value);
    const known = table.get(key);
    if (known !== undefined) return known;
    if (table.size >= limit) table = new Map();
    table.set(key, value);
    return value;
  };
}

/** Strings are their own key. */
export const createStringInterner = (limit?: number) => createInterner<string>((s) => s, limit);
