/**
 * Reconnect delays: exponential, capped, with full jitter (a random delay between 0 and the
 * exponential bound), so that hundreds of secondaries losing the same primary do not come back
 * in step when it returns.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** First retry within 250 ms: a primary restart is seconds; the cap keeps a dead one cheap. */
export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 30_000 };

export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const bound = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * bound);
}
