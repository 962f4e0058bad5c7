/**
 * What a primary's secondaries do, in the primary's trail: a secondary that joined with a token,
 * and one that refused a settings version (a NACK, with its reason). A version published is no
 * entry (the settings change that caused it is): it is noted for the Federation page's diff.
 * A node removed is recorded by the door that removed it (the control API), not here.
 */
import type { FederationEvent } from '../federation/primary.js';
import type { AuditEntry, AuditRecord } from './entry.js';
import type { PublishedVersions } from './published-versions.js';

export function federationEventRecorder(deps: { record(record: AuditRecord): Promise<AuditEntry | null>; versions: PublishedVersions }): (event: FederationEvent) => void {
  const { record, versions } = deps;
  return (event) => {
    switch (event.kind) {
      case 'joined':
        void record({ kind: 'node', actor: { name: `secondary ${event.node}`, door: 'secondary' }, summary: `secondary ${event.node} joined with a join token (${event.mode})` });
        return;
      case 'refused':
        void record({
          kind: 'settings-refused',
          actor: { name: `secondary ${event.node}`, door: 'secondary' },
          summary: `secondary ${event.node} refused settings version ${event.version}; it keeps the settings it had`,
          reason: event.error,
        });
        return;
      case 'published':
        void versions.published(event.version);
        return;
      case 'removed':
        return;
    }
  };
}
