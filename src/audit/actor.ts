/**
 * Who is acting, carried with the request rather than through every call: each door (the
 * administrators' socket, a console request) runs its handler inside `actingAs`, and whatever the
 * handler records in the audit trail is attributed to that actor. Node's AsyncLocalStorage
 * follows the request through awaits and timers it starts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DAEMON_ACTOR, type Actor } from './entry.js';

const current = new AsyncLocalStorage<Actor>();

export function actingAs<T>(actor: Actor, run: () => T): T {
  return current.run(actor, run);
}

/** The actor of the request being handled; the daemon itself outside any request. */
export function currentActor(): Actor {
  return current.getStore() ?? DAEMON_ACTOR;
}
