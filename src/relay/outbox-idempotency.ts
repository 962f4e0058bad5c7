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

export function createIdempotency(): Idempotency {
  /** Per caller and key: the id queued for each content digest. */
  const byKey = new Map<string, Map<string, string>>();
  /** Unscoped, undigested keys of old records. */
  const legacy = new Map<string, string>();
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    find(source, key, digest) {
      return byKey.get(scoped(source, key))?.get(digest) ?? legacy.get(key);
    },
    usedForOther(source, key, digest) {
      const known = byKey.get(scoped(source, key));
      return !!known && !known.has(digest);
    },
    remember(source, key, digest, id) {
      if (source === '' || digest === null) {
        legacy.set(key, id);
        return;
      }
      const at = scoped(source, key);
      let known = byKey.get(at);
      if (!known) byKey.set(at, (known = new Map()));
      known.set(digest, id);
    },
    forget(source, key, digest, id) {
      if (source === '' || digest === null) {
        if (legacy.get(key) === id) legacy.delete(key);
        return;
      }
      const known = byKey.get(scoped(source, key));
      if (known?.get(digest) === id) known.delete(digest);
      if (known?.size === 0) byKey.delete(scoped(source, key));
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
