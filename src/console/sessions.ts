/**
 * Console sessions: a random id in an HttpOnly, Secure, SameSite=Strict cookie, the rest in
 * memory. A session ends at logout, after IDLE_TIMEOUT_MS without a request, or when the daemon
 * restarts (administrators log in again; nothing is lost).
 */
import { randomBytes } from 'node:crypto';

/** As Cockpit's default idle logout (15 min) doubled: long enough for a settings session. */
export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const SESSION_COOKIE = 'am_session';

export interface Session {
  readonly id: string;
  readonly user: string;
  lastSeenMs: number;
}

export interface Sessions {
  create(user: string): Session;
  /** The live session of this id, its idle clock restarted; null when unknown or idle too long. */
  touch(id: string | undefined): Session | null;
  end(id: string | undefined): void;
}

export function createSessions(now: () => number = Date.now): Sessions {
  const sessions = new Map<string, Session>();

  function sweep(): void {
    const cutoff = now() - IDLE_TIMEOUT_MS;
    for (const [id, session] of sessions) if (session.lastSeenMs < cutoff) sessions.delete(id);
  }

  return {
    create(user) {
      sweep();
      const session = { id: randomBytes(32).toString('base64url'), user, lastSeenMs: now() };
      sessions.set(session.id, session);
      return session;
    },
    touch(id) {
      if (id === undefined) return null;
      const session = sessions.get(id);
      if (!session) return null;
      if (session.lastSeenMs < now() - IDLE_TIMEOUT_MS) {
        sessions.delete(id);
        return null;
      }
      session.lastSeenMs = now();
      return session;
    },
    end(id) {
      if (id !== undefined) sessions.delete(id);
    },
  };
}
