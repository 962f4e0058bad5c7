/**
 * Thousands of generated config files against the validator: each is either a valid, frozen
 * config whose invariants hold, or refused with AM_CONFIG_INVALID and at least one named issue.
 * Never a crash, never a half-valid config.
 */
import fc from 'fast-check';
import { configArb } from '../helpers/config-arb.js';
import { describe, expect, it } from 'vitest';
import { isEmailAddress } from '../../src/util/address.js';
import { parseConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors/registry.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);

describe('config validator under generated input', () => {
  it(`answers ${RUNS} generated configs with a valid config or named issues`, () => {
    let valid = 0;
    fc.assert(
      fc.property(configArb, (json) => {
        let result;
        try {
          result = parseConfig(JSON.stringify(json), '/etc/appliance-mail/config.json');
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('AM_CONFIG_INVALID');
          const issues = (err as AppError).details['issues'] as Array<{ path: string; message: string }>;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
          return;
        }
        valid++;
        expect(Object.isFrozen(result.mailServer)).toBe(true);
        if (result.mailServer.enabled) {
          expect(result.mailServer.port).toBeGreaterThanOrEqual(1);
          expect(result.mailServer.port).toBeLessThanOrEqual(65535);
          expect(isEmailAddress(result.mailServer.sender!)).toBe(true);
        }
        for (const r of result.notifications.recipients) expect(isEmailAddress(r)).toBe(true);
        for (const value of [result.mailServer.username, result.mailServer.password]) expect(value ?? '').not.toMatch(/[\r\n]/);
      }),
      { numRuns: RUNS },
    );
    console.log(`config fuzz: ${RUNS} generated configs, ${valid} valid, ${RUNS - valid} refused with named issues`);
  });

  it('never throws anything but AM_CONFIG_INVALID on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        try {
          parseConfig(text, '/c.json');
        } catch (err) {
          expect((err as AppError).code).toBe('AM_CONFIG_INVALID');
        }
      }),
      { numRuns: RUNS },
    );
  });
});
