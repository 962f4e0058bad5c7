/**
 * What stands before a console password check: the failed-login limits and a cap on checks
 * running at once.
 *
 * Each check holds a reservation on both limits (per address, per user name) while it runs: the
 * attempt is counted before the ~100 ms scrypt, so concurrent guesses cannot all pass a check
 * made before any of them failed. A right password or a check that did not run gives the
 * reservation back, so the limits count failed checks only, as an operator reads them.
 *
 * scrypt runs on libuv's thread pool (4 threads), which the outbox's file writes need too: a
 * burst of logins must not starve the mail. At most MAX_CHECKS_IN_FLIGHT checks run at once;
 * an attempt beyond that is refused at once, without hashing anything.
 */

/** Failed logins from one address before it must wait: enough for typos, too few to guess. */
export const LOGIN_FAILURES_PER_IP = 10;
/** Failed logins for one user name, from anywhere: bounds a distributed guess at one account. */
export const LOGIN_FAILURES_PER_USER = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Half of libuv's default pool of 4: the other half stays free for the outbox's file I/O. */
export const MAX_CHECKS_IN_FLIGHT = 2;
/** Console names have at most 63 characters; longer input is no account, and keys stay small. */
const MAX_KEY_CHARS = 64;

export type GuardedCheck<T> =
  /** The check ran; `value` is what it returned (null: wrong name or password, counted). */
  | { outcome: 'checked'; value: T | null; checksInFlight: number }
  | { outcome: 'rate-limited'; retryAfterSeconds: number }
  | { outcome: 'busy' };

export interface LoginGuard {
  /** Runs `verify` (null for a failure) if the limits and the cap allow it. */
  check<T>(ip: string, name: string, verify: () => Promise<T | null>): Promise<GuardedCheck<T>>;
}

interface Window {
  count: number;
  startMs: number;
}

export function createLoginGuard(now: () => number = Date.now): LoginGuard {
  const windows = new Map<string, Window>();
  let inFlight = 0;

  function live(key: string): Window | undefined {
    const window = windows.get(key);
    if (window && window.startMs + LOGIN_WINDOW_MS <= now()) {
      windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Counts one attempt on `key` if it is under `max`; the seconds to wait otherwise. */
  function reserve(key: string, max: number): number | null {
    const window = live(key);
    if (window && window.count >= max) return Math.max(1, Math.ceil((window.startMs + LOGIN_WINDOW_MS - now()) / 1000));
    if (window) window.count++;
    else windows.set(key, { count: 1, startMs: now() });
    return null;
  }

  function refund(key: string): void {
    const window = live(key);
    if (!window) return;
    window.count--;
    // Nothing counted: no entry, so the map holds only keys with failures in their window.
    if (window.count <= 0) windows.delete(key);
  }

  function sweep(): void {
    for (const key of windows.keys()) live(key);
  }

  return {
    async check(ip, name, verify) {
      if (inFlight >= MAX_CHECKS_IN_FLIGHT) return { outcome: 'busy' };
      sweep();
      const keys = [`ip:${ip}`, `user:${name.slice(0, MAX_KEY_CHARS).toLowerCase()}`] as const;
      const ipWait = reserve(keys[0], LOGIN_FAILURES_PER_IP);
      if (ipWait !== null) return { outcome: 'rate-limited', retryAfterSeconds: ipWait };
      const userWait = reserve(keys[1], LOGIN_FAILURES_PER_USER);
      if (userWait !== null) {
        refund(keys[0]);
        return { outcome: 'rate-limited', retryAfterSeconds: userWait };
      }
      inFlight++;
      const checksInFlight = inFlight;
      let value: Awaited<ReturnType<typeof verify>>;
      try {
        value = await verify();
      } catch (err) {
        keys.forEach(refund);
        throw err;
      } finally {
        inFlight--;
      }
      if (value !== null) keys.forEach(refund);
      return { outcome: 'checked', value, checksInFlight };
    },
  };
}
