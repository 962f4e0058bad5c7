import { describe, expect, it } from 'vitest';
import { createConnectionState } from '../../src/federation/connection.js';

describe('a secondary connection state', () => {
  let nowMs = Date.parse('2026-01-01T00:00:00.000Z');
  const clock = () => nowMs;
  const iso = (ms: number) => new Date(ms).toISOString();

  it('is connected from the primary answer on, heard now while the stream is up, and keeps the end time after', () => {
    const c = createConnectionState(clock);
    expect(c.view()).toEqual({ connection: 'not joined', lastHeard: '' });
    c.connecting();
    expect(c.view()).toEqual({ connection: 'connecting', lastHeard: '' });
    c.heard();
    expect(c.connected()).toBe(true);
    nowMs += 3_600_000;
    // A local node gets no messages for hours: the open stream (kept by keepalive) is the news.
    expect(c.view()).toEqual({ connection: 'connected', lastHeard: iso(nowMs) });
    const endedAt = nowMs;
    c.ended('primary 10.0.0.1:7443 unreachable [AM_PRIMARY_UNREACHABLE]');
    nowMs += 60_000;
    expect(c.view()).toEqual({ connection: 'disconnected: primary 10.0.0.1:7443 unreachable [AM_PRIMARY_UNREACHABLE]', lastHeard: iso(endedAt) });
    // Retries keep the reason of the last failure until the primary answers again.
    c.connecting();
    expect(c.view()).toEqual({ connection: 'disconnected: primary 10.0.0.1:7443 unreachable [AM_PRIMARY_UNREACHABLE]', lastHeard: iso(endedAt) });
    c.heard();
    expect(c.view()).toEqual({ connection: 'connected', lastHeard: iso(nowMs) });
  });

  it('a call that ends before the primary answered does not count as heard', () => {
    const c = createConnectionState(clock);
    c.connecting();
    c.ended('refused [AM_UNAUTHENTICATED]');
    expect(c.view()).toEqual({ connection: 'disconnected: refused [AM_UNAUTHENTICATED]', lastHeard: '' });
    expect(c.connected()).toBe(false);
  });
});
