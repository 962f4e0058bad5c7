/**
 * Console sessions: a random id in an HttpOnly, Secure, SameSite=Strict cookie, the rest in
 * memory. A session ends at logout, after IDLE_TIMEOUT_MS without a request, MAX_LIFETIME_MS
 * after its login however active, when the daemon restarts (administrators log in again;
 * nothing is lost), or when its account's password changes or the account is removed (the
 * server checks the account at every request, see server.ts).
 */
import { randomBytes } from 'node:crypto';

/** As Cockpit's default idle logout (15 min) doubled: long enough for a settings session. */
export const IDLE_TIMEOUT_MS = 30 * 60_000;
/** A working day: a stolen cookie or a forgotten browser does not stay an administrator for ever. */
export const MAX_LIFETIME_MS = 12 * 60 * 60_000;
export const SESSION_COOKIE = 'am_session';

export interface Session {
  readonly id: string;
  readonly user: string;
  /** The account's password version at login (ConsoleUsers.passwordVersion). */
  readonly passwordVersion: string;
  readonly createdMs: number;
  lastSeenMs: number;
}

export interface Sessions {
  create(user: string, passwordVersion: string): Session;
  /** The live session of this id, its idle clock restarted; null when unknown, idle too long or too old. */
  touch(id: string | undefined): Session | null;
  end(id: string | undefined): void;
}

export function createSessions(now: () => number = Date.now): Sessions {
  const sessions = new Map<string, Session>();

  const expired = (session: Session) => session.lastSeenMs < now() - IDLE_TIMEOUT_MS || session.createdMs <= now() - MAX_LIFETIME_MS;

  function sweep(): void {
    for (const [id, session] of sessions) if (expired(session)) sessions.delete(id);
  }

  return {
    create(user, passwordVersion) {
      sweep();
      const session = { id: randomBytes(32).toString('base64url'), user, passwordVersion, createdMs: now(), lastSeenMs: now() };
      sessions.set(session.id, session);
      return session;
    },
    touch(id) {
      if (id === undefined) return null;
      const session = sessions.get(id);
      if (!session) return null;
      if (expired(session)) {
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
