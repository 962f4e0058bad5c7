import { describe, expect, it } from 'vitest';
import { isReportStage, withheldReason, recordReport, recordWatch } from '../../src/federation/node-records.js';
import type { NodeRecord } from '../../src/state/schema.js';

const AT = '2026-01-01T00:00:00.000Z';
function node(over: Partial<NodeRecord> = {}): NodeRecord {
  return { name: 'n1', credentialHash: 'h', mode: 'centralized', joinedAt: AT, lastSeen: null, received: null, applied: null, verified: null, ...over };
}

describe('the primary rules over node records', () => {
  it('sends a version to a centralized stream that lacks it, never to a local one, and holds a refused one', () => {
    expect(withheldReason({ mode: 'centralized', lastApplied: 2 }, 3, node())).toBeNull();
    expect(withheldReason({ mode: 'centralized', lastApplied: 3 }, 3, node())).toBe('already applied');
    expect(withheldReason({ mode: 'local', lastApplied: 0 }, 3, node())).toBe('local mode');
    expect(withheldReason({ mode: 'centralized', lastApplied: 2 }, 3, node({ applied: { version: 3, at: AT, error: 'bad sender' } }))).toBe('refused');
    // A refusal of an older version does not hold a newer one.
    expect(withheldReason({ mode: 'centralized', lastApplied: 2 }, 3, node({ applied: { version: 2, at: AT, error: 'bad sender' } }))).toBeNull();
    expect(withheldReason({ mode: 'centralized', lastApplied: 0 }, 1, undefined)).toBeNull();
  });

  it('a Watch records mode and last seen, and takes a resume point above the applied version as a lost ACK', () => {
    const n = node({ applied: { version: 2, at: AT, error: null } });
    recordWatch(n, 'centralized', 4, 'later');
    expect(n).toMatchObject({ mode: 'centralized', lastSeen: 'later', applied: { version: 4, at: 'later', error: null } });
    recordWatch(n, 'local', 9, 'even later');
    expect(n).toMatchObject({ mode: 'local', applied: { version: 4 } });
  });

  it('a Report goes to applied (ACK/NACK) or verified, with a default reason for a failure without one', () => {
    const n = node();
    recordReport(n, 'rejected', 3, null, AT);
    expect(n.applied).toEqual({ version: 3, at: AT, error: 'rejected' });
    recordReport(n, 'applied', 4, null, AT);
    expect(n.applied).toEqual({ version: 4, at: AT, error: null });
    recordReport(n, 'verify_failed', 4, 'authentication failed: 535', AT);
    expect(n.verified).toEqual({ version: 4, at: AT, error: 'authentication failed: 535' });
    expect(isReportStage('applied')).toBe(true);
    expect(isReportStage('constructor')).toBe(false);
  });
});
