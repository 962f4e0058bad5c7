/**
 * What a primary's secondaries do, in the primary's trail: a secondary that joined with a token,
 * and one that refused a settings version (a NACK, with its reason). A version published is no
 * entry (the settings change that caused it is): it is noted for the Federation page's diff.
 * A node removed is recorded by the door that removed it (the control API), not here.
 *
 * A secondary may report the same refusal again and again (each reconnect, or a faulty or
 * hostile node in a loop): only its first refusal of each newer version is an entry, so that no
 * node can flood the trail and rotate the administrators' history away.
 */
import type { FederationEvent } from '../federation/primary.js';
import type { AuditEntry, AuditRecord } from './entry.js';
import type { PublishedVersions } from './published-versions.js';

export function federationEventRecorder(deps: { record(record: AuditRecord): Promise<AuditEntry | null>; versions: PublishedVersions }): (event: FederationEvent) => void {
  const { record, versions } = deps;
  /** Per node, the newest version whose refusal is in the trail (one number per node joined). */
  const refusedUpTo = new Map<string, number>();
  return (event) => {
    switch (event.kind) {
      case 'joined':
        refusedUpTo.delete(event.node);
        void record({ kind: 'node', actor: { name: `secondary ${event.node}`, door: 'secondary' }, summary: `secondary ${event.node} joined with a join token (${event.mode})` });
        return;
      case 'refused':
        if (event.version <= (refusedUpTo.get(event.node) ?? 0)) return;
        refusedUpTo.set(event.node, event.version);
        void record({
          kind: 'settings-refused',
          actor: { name: `secondary ${event.node}`, door: 'secondary' },
          summary: `secondary ${event.node} refused settings version ${event.version}; it keeps the settings it had`,
          reason: event.error,
        });
        return;
      case 'published':
        void versions.published(event.version, event.configVersion);
        return;
      case 'removed':
        refusedUpTo.delete(event.node);
        return;
    }
  };
}
