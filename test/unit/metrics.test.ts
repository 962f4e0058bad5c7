/**
 * The metrics endpoint's config rules (off unless set, loopback unless the operator opts in). The
 * SMTP failure classes (the label of smtp_failures_total) are in classify.test.ts; against real
 * servers, and every metric moving, in test/integration/metrics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors/registry.js';

const config = (metrics: unknown) => JSON.stringify({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: false }, metrics });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return undefined;
}

describe('metrics.listen', () => {
  it('is off unless set, and accepts loopback addresses and port 0', () => {
    expect(parseConfig(config(undefined), '/c.json').metrics).toEqual({ listen: null, allowNonLoopback: false });
    for (const listen of ['127.0.0.1:9465', '[::1]:9465', 'localhost:0']) {
      expect(parseConfig(config({ listen }), '/c.json').metrics.listen).toBe(listen);
    }
  });

  it('refuses a non-loopback address unless allowNonLoopback says so', () => {
    expect(codeOf(() => parseConfig(config({ listen: '0.0.0.0:9465' }), '/c.json'))).toBe('AM_CONFIG_INVALID');
    expect(() => parseConfig(config({ listen: '10.0.0.5:9465' }), '/c.json')).toThrow(/metrics\.listen: '10\.0\.0\.5' is not a loopback address.*metrics\.allowNonLoopback/);
    expect(parseConfig(config({ listen: '0.0.0.0:9465', allowNonLoopback: true }), '/c.json').metrics.listen).toBe('0.0.0.0:9465');
  });

  it('refuses unknown keys in the section', () => {
    expect(codeOf(() => parseConfig(config({ listen: '127.0.0.1:9465', path: '/m' }), '/c.json'))).toBe('AM_CONFIG_INVALID');
  });
});
