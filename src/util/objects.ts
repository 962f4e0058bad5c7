/** Small helpers for plain objects shared across parts. */
/** Freezes an object and everything it holds: what is shared can then not be changed behind its owner. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** `record[key]` only when `key` is the record's own (a name such as `constructor` is not). */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
