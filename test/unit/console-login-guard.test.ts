import { describe, expect, it } from 'vitest';
import { createLoginGuard, LOGIN_FAILURES_PER_IP, LOGIN_FAILURES_PER_USER, LOGIN_WINDOW_MS, MAX_CHECKS_IN_FLIGHT } from '../../src/console/login-guard.js';

/** A password check the test finishes when it chooses. */
function pendingCheck() {
  let finish: (version: string | null) => void = () => undefined;
  let started = false;
  const run = () => {
    started = true;
    return new Promise<string | null>((resolve) => (finish = resolve));
  };
  return { run, finish: (version: string | null) => finish(version), started: () => started };
}

describe('console login guard', () => {
  it('counts each attempt before its check: concurrent wrong passwords for one name get at most the limit of checks', async () => {
    const guard = createLoginGuard();
    const checks = Array.from({ length: 30 }, () => pendingCheck());
    // From different addresses (only the per-name limit applies), in waves as large as the cap
    // on checks in flight: each wave is in flight together.
    const outcomes: string[] = [];
    for (let i = 0; i < checks.length; i += MAX_CHECKS_IN_FLIGHT) {
      const wave = checks.slice(i, i + MAX_CHECKS_IN_FLIGHT).map((check, j) => guard.check(`10.0.0.${i + j}`, 'Admin', check.run));
      for (const check of checks.slice(i, i + MAX_CHECKS_IN_FLIGHT)) check.finish(null);
      outcomes.push(...(await Promise.all(wave)).map((r) => r.outcome));
    }
    expect(outcomes.filter((o) => o === 'checked')).toHaveLength(LOGIN_FAILURES_PER_USER);
    expect(outcomes.filter((o) => o === 'rate-limited')).toHaveLength(30 - LOGIN_FAILURES_PER_USER);
    expect(checks.filter((c) => c.started())).toHaveLength(LOGIN_FAILURES_PER_USER);
  });

  it('holds a reservation while a check runs: attempts beyond the limit are refused before any check has failed', async () => {
    const guard = createLoginGuard();
    const slow = pendingCheck();
    const running = guard.check('10.0.0.1', 'oper', slow.run);
    // The slow check has not failed yet, but it holds one of the name's five attempts.
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push((await guard.check(`10.0.1.${i}`, 'oper', async () => null)).outcome);
    expect(outcomes.filter((o) => o === 'checked')).toHaveLength(LOGIN_FAILURES_PER_USER - 1);
    expect(outcomes.filter((o) => o === 'rate-limited')).toHaveLength(10 - (LOGIN_FAILURES_PER_USER - 1));
    slow.finish(null);
    await running;
  });

  it('never runs more than MAX_CHECKS_IN_FLIGHT checks at once; beyond that it refuses at once without checking', async () => {
    const guard = createLoginGuard();
    const checks = Array.from({ length: 6 }, () => pendingCheck());
    const results = checks.map((check, i) => guard.check(`10.0.0.${i}`, `user${i}`, check.run));
    expect(checks.filter((c) => c.started())).toHaveLength(MAX_CHECKS_IN_FLIGHT);
    const refused = await Promise.all(results.slice(MAX_CHECKS_IN_FLIGHT));
    expect(refused.map((r) => r.outcome)).toEqual(Array(6 - MAX_CHECKS_IN_FLIGHT).fill('busy'));
    checks[0]!.finish('v1');
    checks[1]!.finish(null);
    expect(await results[0]).toEqual({ outcome: 'checked', value: 'v1', checksInFlight: 1 });
    expect(await results[1]).toEqual({ outcome: 'checked', value: null, checksInFlight: 2 });
    // Room again once they are over.
    const later = pendingCheck();
    const next = guard.check('10.0.0.9', 'user9', later.run);
    expect(later.started()).toBe(true);
    later.finish(null);
    await next;
  });

  it('refunds a right password and a busy refusal: the limits count failed checks only', async () => {
    const guard = createLoginGuard();
    for (let i = 0; i < 3 * LOGIN_FAILURES_PER_IP; i++) {
      expect((await guard.check('10.0.0.1', 'admin', async () => 'v1')).outcome).toBe('checked');
    }
    for (let i = 0; i < LOGIN_FAILURES_PER_USER; i++) expect((await guard.check('10.0.0.1', 'admin', async () => null)).outcome).toBe('checked');
    const limited = await guard.check('10.0.0.1', 'admin', async () => 'v1');
    expect(limited).toMatchObject({ outcome: 'rate-limited' });
    expect((limited as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('limits one address across names, and forgets a window once it is over', async () => {
    let now = 5_000_000;
    const guard = createLoginGuard(() => now);
    for (let i = 0; i < LOGIN_FAILURES_PER_IP; i++) expect((await guard.check('10.0.0.1', `name${i}`, async () => null)).outcome).toBe('checked');
    expect((await guard.check('10.0.0.1', 'another', async () => 'v1')).outcome).toBe('rate-limited');
    expect((await guard.check('10.0.0.2', 'another', async () => 'v1')).outcome).toBe('checked');
    now += LOGIN_WINDOW_MS;
    expect((await guard.check('10.0.0.1', 'another', async () => 'v1')).outcome).toBe('checked');
  });

  it('gives the reservation back when the check throws (an unreadable accounts file is not a failed login)', async () => {
    const guard = createLoginGuard();
    for (let i = 0; i < 2 * LOGIN_FAILURES_PER_USER; i++) {
      await expect(guard.check('10.0.0.1', 'admin', async () => Promise.reject(new Error('EIO')))).rejects.toThrow('EIO');
    }
    expect((await guard.check('10.0.0.1', 'admin', async () => 'v1')).outcome).toBe('checked');
  });
});
