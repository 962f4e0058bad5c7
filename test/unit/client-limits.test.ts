/** The submission port's limits per client (anvil), with a fake clock. */
import { describe, expect, it } from 'vitest';
import { createClientLimits, createWarnOnce, WINDOW_MS } from '../../src/submission/client-limits.js';

const limits = { connectionsPerMinute: 3, messagesPerMinute: 2, bytesPerMinute: 2000, concurrentConnections: 2 };

describe('client limits', () => {
  it('counts connections at once and per minute, per source address', () => {
    let now = 0;
    const anvil = createClientLimits(() => limits, () => now);
    const a = anvil.connect('127.0.0.1');
    const b = anvil.connect('127.0.0.1');
    expect(anvil.connect('127.0.0.1')).toMatchObject({ limit: 'concurrentConnections', text: expect.stringContaining('submission.limits.concurrentConnections is 2') });
    // Another address is served meanwhile.
    expect(anvil.connect('127.0.0.2')).toHaveProperty('release');
    if ('release' in a) a.release();
    expect(anvil.connect('127.0.0.1')).toHaveProperty('release');
    if ('release' in b) b.release();
    expect(anvil.connect('127.0.0.1')).toMatchObject({ limit: 'connectionsPerMinute', text: expect.stringMatching(/too many connections a minute from 127\.0\.0\.1/) });
    // A new minute: the count starts again (one connection is still open, one more may be).
    now += WINDOW_MS;
    expect(anvil.connect('127.0.0.1')).toHaveProperty('release');
    expect(anvil.connect('127.0.0.1')).toMatchObject({ limit: 'concurrentConnections' });
  });

  it('counts messages and bytes per minute; the first message of a minute passes whatever its size', () => {
    let now = 0;
    const anvil = createClientLimits(() => limits, () => now);
    expect(anvil.message('c')).toBeNull();
    expect(anvil.bytes('c', 5000)).toBeNull();
    expect(anvil.message('c')).toMatchObject({ limit: 'bytesPerMinute' });
    now += WINDOW_MS;
    expect(anvil.message('c')).toBeNull();
    expect(anvil.bytes('c', 1500)).toBeNull();
    expect(anvil.bytes('c', 600)).toMatchObject({ limit: 'bytesPerMinute' });
    now += WINDOW_MS;
    expect(anvil.message('c')).toBeNull();
    expect(anvil.message('c')).toBeNull();
    expect(anvil.message('c')).toMatchObject({ limit: 'messagesPerMinute', text: expect.stringContaining('submission.limits.messagesPerMinute is 2') });
  });

  it('warns once a minute per client and limit', () => {
    let now = 0;
    const warn = createWarnOnce(() => now);
    expect(warn('c', 'messagesPerMinute')).toBe(true);
    expect(warn('c', 'messagesPerMinute')).toBe(false);
    expect(warn('c', 'bytesPerMinute')).toBe(true);
    now += WINDOW_MS;
    expect(warn('c', 'messagesPerMinute')).toBe(true);
  });
});
