/**
 * The operator's queue commands, as Postfix users know them (mailq, postqueue -f, postsuper -r
 * and -d): list, flush, retry, drop. Domain shapes in, domain shapes out; the control layer only
 * maps them to the wire.
 */
import { AppError } from '../errors/registry.js';
import type { Delivery } from './delivery.js';
import type { EntryState, MessageKind, Outbox } from './outbox.js';

export interface OutboxListing {
  id: string;
  kind: MessageKind;
  to: readonly string[];
  /** The envelope sender and From it leaves with: the one in force (it follows the settings). */
  sender: string;
  subject: string;
  sizeBytes: number;
  state: EntryState;
  attempts: number;
  lastError: string;
  createdAt: string;
  /** RFC 3339 for a deferred message, else empty. */
  nextAttemptAt: string;
}

export interface OutboxAdmin {
  /** Every message, oldest first. */
  list(): OutboxListing[];
  /** Dead letters and deferred messages due now again; returns how many. */
  retry(ids: readonly string[], allDead: boolean): Promise<number>;
  /** Removes messages for good; returns how many. */
  drop(ids: readonly string[], allDead: boolean): Promise<number>;
  /** Every deferred message is tried now; returns how many. */
  flush(): number;
}

export function createOutboxAdmin(deps: { outbox: Outbox; delivery: Delivery; sender: () => string }): OutboxAdmin {
  const { outbox, delivery } = deps;
  const chosen = (ids: readonly string[], allDead: boolean): readonly string[] | 'all-dead' => {
    if (allDead === ids.length > 0) throw new AppError('AM_INVALID_ARGUMENT', 'give message ids or --all-dead (not both)');
    return allDead ? 'all-dead' : ids;
  };
  return {
    list() {
      const sender = deps.sender();
      return outbox
        .list()
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map((e) => ({
          id: e.id,
          kind: e.kind,
          to: e.to,
          sender,
          subject: e.subject,
          sizeBytes: e.size,
          state: e.state,
          attempts: e.attempts,
          lastError: e.lastError ?? '',
          createdAt: new Date(e.createdAt).toISOString(),
          nextAttemptAt: e.state === 'deferred' ? new Date(e.nextAt).toISOString() : '',
        }));
    },
    async retry(ids, allDead) {
      const count = await outbox.requeue(chosen(ids, allDead));
      delivery.resume();
      return count;
    },
    drop: (ids, allDead) => outbox.drop(chosen(ids, allDead)),
    flush: () => delivery.flush(),
  };
}
