/** The one time format (src/util/time-format.ts): local time with its UTC offset, and the age. */
import { afterAll, describe, expect, it } from 'vitest';
import { localTime, parseTime, relativeTime, timeAndAge } from '../../src/util/time-format.js';

const AT = new Date('2026-05-28T05:28:44.416Z');
// Unit files share their worker (vitest.config.ts): the zone these cases set goes back for the next file.
const zoneBefore = process.env['TZ'];
afterAll(() => {
  if (zoneBefore === undefined) delete process.env['TZ'];
  else process.env['TZ'] = zoneBefore;
});

describe('time format', () => {
  it('shows the local time with its UTC offset, never a raw ISO string', () => {
    process.env['TZ'] = 'Europe/Berlin';
    expect(localTime(AT)).toBe('2026-05-28 07:28:44 +02:00');
    process.env['TZ'] = 'America/St_Johns';
    expect(localTime(AT)).toBe('2026-05-28 02:58:44 -02:30');
    process.env['TZ'] = 'UTC';
    expect(localTime(AT)).toBe('2026-05-28 05:28:44 +00:00');
  });

  it('says how long ago or ahead, and both together', () => {
    const now = AT.getTime();
    expect(relativeTime(new Date(now - 192_000), now)).toBe('3m12s ago');
    expect(relativeTime(new Date(now + 45_000), now)).toBe('in 45s');
    process.env['TZ'] = 'UTC';
    expect(timeAndAge(AT, now + 7_500_000)).toBe('2026-05-28 05:28:44 +00:00 (2h05m ago)');
  });

  it('reads RFC 3339 text; nothing for empty or bad text', () => {
    expect(parseTime('2026-05-28T05:28:44.416Z')?.getTime()).toBe(AT.getTime());
    expect(parseTime('')).toBeNull();
    expect(parseTime('yesterday')).toBeNull();
  });
});
