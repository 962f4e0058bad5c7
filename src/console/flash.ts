/**
 * POST-redirect-GET: an action's result (a banner) is kept for its session and shown once by the
 * page the browser is sent to, so that a refresh repeats no action and the address bar never
 * holds an action's URL. Kept in memory with the session (a new join token among them: it is
 * shown once, then forgotten).
 */
import type { SafeHtml } from '../html/template.js';

/** More than a page shows: a session that never comes back for its results holds only this many. */
const MAX_NOTICES_PER_SESSION = 5;
/** Sessions with results waiting; past this the oldest are forgotten (each is small). */
const MAX_SESSIONS = 1_000;

export interface Flash {
  /** Keeps `notice` for the session's next page. */
  add(sessionId: string, notice: SafeHtml): void;
  /** The session's waiting results, removed as they are returned. */
  take(sessionId: string): SafeHtml[];
}

export function createFlash(): Flash {
  const waiting = new Map<string, SafeHtml[]>();
  return {
    add(sessionId, notice) {
      const list = waiting.get(sessionId) ?? [];
      waiting.delete(sessionId);
      waiting.set(sessionId, [...list, notice].slice(-MAX_NOTICES_PER_SESSION));
      if (waiting.size > MAX_SESSIONS) waiting.delete(waiting.keys().next().value!);
    },
    take(sessionId) {
      const list = waiting.get(sessionId) ?? [];
      waiting.delete(sessionId);
      return list;
    },
  };
}
