/**
 * Idempotency keys, pure and in memory. A key belongs to its caller (door and client, see
 * Caller): no one else can take it. Under one caller, a key that comes back with the same content
 * is a retry, answered with the first message's id; with other content it is a message of its
 * own (the outbox logs it). So a key can make a retry after a timeout harmless, and can never
 * block or suppress anyone's message.
 *
 * Records written before keys were scoped and digested match any caller and any content under
 * their key, as they did then.
 */
import { createHash } from 'node:crypto';
import type { NewMessage } from './outbox-records.js';

export interface Idempotency {
  /** The id already queued for this caller, key and content, if any. */
  find(source: string, key: string, digest: string): string | undefined;
  /** True when the caller used this key before for other content (for the log). */
  usedForOther(source: string, key: string, digest: string): boolean;
  remember(source: string, key: string, digest: string | null, id: string): void;
  /** Forgets a dropped message's key. */
  forget(source: string, key: string, digest: string | null, id: string): void;
  /**
   * Runs `store` once per caller, key and content at a time: a concurrent retry waits for the
   * first submission and gets its answer (`first` false).
   */
  once<T>(source: string, key: string, digest: string, store: () => Promise<T>): Promise<{ value: T; first: boolean }>;
}

const scoped = (source: string, key: string) => `${source}\0${key}`;

/**
 * The ids queued under one caller's key: nearly always one content, kept as a pair; a Map only
 * once the key names a second content (most keys of 100,000 queued messages cost no Map).
 */
type Remembered = { digest: string; id: string } | Map<string, string>;

export function createIdempotency(): Idempotency {
  const byKey = new Map<string, Remembered>();
  /** Unscoped, undigested keys of old records. */
  const legacy = new Map<string, string>();
  const inFlight = new Map<string, Promise<unknown>>();
  const idFor = (known: Remembered | undefined, digest: string) => (known instanceof Map ? known.get(digest) : known?.digest === digest ? known.id : undefined);
  return {
    find(source, key, digest) {
      return idFor(byKey.get(scoped(source, key)), digest) ?? legacy.get(key);
    },
    usedForOther(source, key, digest) {
      const known = byKey.get(scoped(source, key));
      return !!known && idFor(known, digest) === undefined;
    },
    remember(source, key, digest, id) {
      if (source === '' || digest === null) {
        legacy.set(key, id);
        return;
      }
      const at = scoped(source, key);
      const known = byKey.get(at);
      if (!known || (!(known instanceof Map) && known.digest === digest)) byKey.set(at, { digest, id });
      else if (known instanceof Map) known.set(digest, id);
      else byKey.set(at, new Map([[known.digest, known.id], [digest, id]]));
    },
    forget(source, key, digest, id) {
      if (source === '' || digest === null) {
        if (legacy.get(key) === id) legacy.delete(key);
        return;
      }
      const at = scoped(source, key);
      const known = byKey.get(at);
      if (idFor(known, digest) !== id) return;
      if (known instanceof Map) {
        known.delete(digest);
        if (known.size === 0) byKey.delete(at);
      } else {
        byKey.delete(at);
      }
    },
    async once(source, key, digest, store) {
      const at = `${scoped(source, key)}\0${digest}`;
      const running = inFlight.get(at);
      if (running) return { value: (await running) as Awaited<ReturnType<typeof store>>, first: false };
      const stored = store();
      inFlight.set(at, stored);
      try {
        return { value: await stored, first: true };
      } finally {
        inFlight.delete(at);
      }
    },
  };
}

/** What a resubmission must repeat for its key to name the same message. */
export function contentDigest(input: Pick<NewMessage, 'kind' | 'to' | 'subject' | 'text' | 'html' | 'idempotencyContent'>): string {
  const content = input.idempotencyContent ?? JSON.stringify([input.subject, input.text, input.html]);
  return createHash('sha256').update(JSON.stringify([input.kind, input.to, content])).digest('hex');
}
