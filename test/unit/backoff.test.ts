import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/util/backoff.js';

describe('backoffDelayMs', () => {
  const full = { baseMs: 250, capMs: 30_000, jitter: 'full' as const };
  const equal = { baseMs: 1000, capMs: 8000, jitter: 'equal' as const };

  it('doubles up to the cap', () => {
    expect([0, 1, 2, 3, 10, 100].map((a) => backoffDelayMs(a, full, () => 0.999999))).toEqual([249, 499, 999, 1999, 29_999, 29_999]);
  });

  it('full jitter spreads from 0; equal jitter never goes below half the bound', () => {
    expect(backoffDelayMs(5, full, () => 0)).toBe(0);
    expect(backoffDelayMs(2, equal, () => 0)).toBe(2000);
    expect(backoffDelayMs(2, equal, () => 0.999999)).toBe(3999);
    expect(backoffDelayMs(9, equal, () => 0)).toBe(4000);
  });
});
