/**
 * The outbox's changes of state after intake: a send's outcome, an operator's requeue or drop, a
 * postponement. Each is applied to the index at once and written to the journal (`write`); the
 * listeners hear of it once written.
 */
import { AppError } from '../errors/registry.js';
import type { OutboxIndex } from './outbox-index.js';
import type { Entry, MessageKind, OutboxRecord } from './outbox-records.js';

type Tell = (type: 'sent' | 'deferred' | 'dead', entry: { kind: MessageKind; createdAt: number }, at: number) => void;

export interface OutboxOutcomes {
  markSending(id: string, sending: boolean): void;
  markSent(id: string): Promise<void>;
  markDeferred(id: string, error: string, nextAt: number): Promise<void>;
  markDead(id: string, error: string, to?: string[]): Promise<void>;
  /** Dead letters and deferred messages due now again (attempts are kept); returns how many. */
  requeue(ids: readonly string[] | 'all-dead'): Promise<number>;
  /** Removes messages for good; returns how many. */
  drop(ids: readonly string[] | 'all-dead'): Promise<number>;
  /**
   * Holds an entry back until `until`, in memory only: used when the outcome of a send could not
   * be written (disk full), so that the message is not sent again at once, in a loop.
   */
  postpone(id: string, until: number): void;
  sentSinceStart(): number;
}

export function createOutboxOutcomes(deps: { index: OutboxIndex; write: (records: OutboxRecord[]) => Promise<void>; tell: Tell; maybeCompact: () => void }): OutboxOutcomes {
  const { index, write, tell } = deps;
  let sentSinceStart = 0;
  return {
    // Back from a send whose outcome did not change the entry, it is due again where it was.
    markSending: (id, sending) => index.setSending(id, sending),
    async markSent(id) {
      sentSinceStart++;
      const entry = index.get(id);
      const at = Date.now();
      await write([{ type: 'sent', id, at }]);
      if (entry) tell('sent', entry, at);
      deps.maybeCompact();
    },
    async markDeferred(id, error, nextAt) {
      const entry = need(index, id);
      await write([{ type: 'defer', id, attempts: entry.attempts + 1, nextAt, error }]);
      tell('deferred', entry, Date.now());
    },
    async markDead(id, error, to) {
      const entry = need(index, id);
      const at = Date.now();
      await write([{ type: 'dead', id, at, attempts: entry.attempts + 1, error, to: to ?? entry.to }]);
      tell('dead', entry, at);
    },
    async requeue(ids) {
      const chosen = targets(index, ids, (e) => e.state !== 'queued', 'is already queued for delivery');
      await write(chosen.map((id) => ({ type: 'requeue', id, at: Date.now() })));
      return chosen.length;
    },
    async drop(ids) {
      const chosen = targets(index, ids, () => true, '');
      await write(chosen.map((id) => ({ type: 'drop', id })));
      deps.maybeCompact();
      return chosen.length;
    },
    postpone: (id, until) => index.holdBack(id, until),
    sentSinceStart: () => sentSinceStart,
  };
}

function need(index: OutboxIndex, id: string): Entry {
  const entry = index.get(id);
  if (!entry) throw new AppError('AM_MESSAGE_UNKNOWN', `no message ${id} in the outbox (already sent or dropped?); see appliance-mail outbox`);
  return entry;
}

function targets(index: OutboxIndex, ids: readonly string[] | 'all-dead', allowed: (e: Entry) => boolean, what: string): string[] {
  if (ids === 'all-dead') return [...index.entries()].filter((e) => e.state === 'dead').map((e) => e.id);
  const unique = [...new Set(ids)];
  for (const id of unique) {
    if (!allowed(need(index, id))) throw new AppError('AM_INVALID_ARGUMENT', `message ${id} ${what}`);
  }
  return unique;
}
