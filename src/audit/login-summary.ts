/**
 * Console logins in the trail without letting a brute force flood it: every success is an entry
 * (it needs the password), and so is the first failure from an address in a window; the others
 * are counted and written as one summary entry per address when the window ends. Addresses are
 * tracked up to a bound; past it, new ones share one count, so neither memory nor the trail
 * grows with the attacker's address space.
 */
export const LOGIN_WINDOW_MS = 60_000;
/** Addresses with a count of their own in one window; the rest are summed under one line. */
export const MAX_LOGIN_SOURCES = 64;
const OTHER_SOURCES = 'other addresses';

export interface LoginFailures {
  /** true: write this failure as an entry; false: it was counted for the window's summary. */
  fail(address: string, user: string): boolean;
  /** The window's summaries (and a fresh window): one line per address with failures not written. */
  drain(): Array<{ address: string; failures: number; users: string[] }>;
}

const MAX_USERS_NAMED = 5;

export function createLoginFailures(maxSources = MAX_LOGIN_SOURCES): LoginFailures {
  let window = new Map<string, { counted: number; users: Set<string> }>();
  return {
    fail(address, user) {
      const known = window.get(address);
      if (known === undefined && window.size < maxSources) {
        window.set(address, { counted: 0, users: new Set() });
        return true;
      }
      const key = known === undefined ? OTHER_SOURCES : address;
      const slot = window.get(key) ?? { counted: 0, users: new Set<string>() };
      slot.counted += 1;
      if (slot.users.size < MAX_USERS_NAMED) slot.users.add(user);
      window.set(key, slot);
      return false;
    },
    drain() {
      const summaries = [...window].filter(([, slot]) => slot.counted > 0).map(([address, slot]) => ({ address, failures: slot.counted, users: [...slot.users] }));
      window = new Map();
      return summaries;
    },
  };
}
