/**
 * Retry delays: exponential, capped, with jitter, so that many clients failing together (a
 * fleet losing its primary, a queue losing its mail server) do not retry in step.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /**
   * 'full': anywhere between 0 and the bound (reconnects: spread a fleet widest).
   * 'equal': between half the bound and the bound (mail retries: never sooner than half).
   */
  jitter: 'full' | 'equal';
}

/** First retry within 250 ms: a primary restart takes seconds; the cap keeps a dead one cheap. */
export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000, jitter: 'full' };

export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const bound = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return policy.jitter === 'full' ? Math.floor(random() * bound) : Math.floor(bound / 2 + (random() * bound) / 2);
}
