/**
 * What a centralized secondary does with an update from its primary: refuse it (NACK, with every
 * problem named) or apply it durably, check the applied settings against the mail server, and
 * report both (secondary-reports.ts: one Report per version, in order).
 */
import type { ReportRequest } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings, MailServerSettings } from '../settings/schema.js';
import type { Membership } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { createReportQueue, type ReportQueue } from './secondary-reports.js';
import type { NodePosition } from './secondary-watch.js';
import type { SettingsCheck, SettingsChecks } from './settings-check.js';
import { decodeSettings } from './settings-wire.js';

export interface UpdateHandler {
  /** Refuses or applies one update; resolves once an applied version is on disk. */
  handle(update: SettingsUpdate__Output): Promise<void>;
  /**
   * The newest version refused under `membership` since the one applied, said again when a
   * stream opens; nothing after a leave or another join.
   */
  refused(membership: Membership): NodePosition['refused'];
  /** Checks the settings held across a restart again, and reports the result. */
  checkHeld(version: number, settings: MailServerSettings): Promise<void>;
}

/** One join of one primary: a leave and a new join make another. */
const joinOf = (membership: Membership) => `${membership.joinedAt} ${membership.credential}`;

export function createUpdateHandler(deps: {
  state: StateStore;
  checks: SettingsChecks;
  /** Sends a Report to the primary (the watch loop's; never throws). */
  report: (request: ReportRequest) => Promise<void>;
  /** Writes the applied settings durably (and tells whoever follows them). */
  applyCentralized: (version: number, settings: FederatedSettings) => Promise<void>;
  log: Logger;
}): UpdateHandler {
  const { state, checks, log } = deps;
  /**
   * What belongs to the current join: its Reports (one still queued, a slow check, when the node
   * left or joined again is not sent: its version means nothing to the new primary) and its
   * newest refusal (kept in memory: after a restart of this node, a version refused is refused
   * again when resent).
   */
  let join: { joined: string; reports: ReportQueue; refused: NodePosition['refused'] } | null = null;
  function joinState(membership: Membership): NonNullable<typeof join> {
    const joined = joinOf(membership);
    if (join?.joined !== joined) {
      const send = (request: ReportRequest) => {
        const now = state.get().membership;
        return now && joinOf(now) === joined ? deps.report(request) : Promise.resolve();
      };
      join = { joined, reports: createReportQueue({ send, log }), refused: null };
    }
    return join;
  }

  /** Checks settings against the mail server from here; the result goes to status (and to the primary). */
  async function checkSettings(version: number, settings: MailServerSettings): Promise<SettingsCheck> {
    const result = await checks.check(version, settings);
    if (result.outcome === 'failed') log.warn({ version, problem: result.error }, 'settings from the primary do not work from this node');
    else log.info({ version, outcome: result.outcome }, 'settings from the primary checked against the mail server');
    return result;
  }

  return {
    async handle(update) {
      const version = Number(update.version);
      const current = state.get().centralized?.version ?? 0;
      const membership = state.get().membership;
      if (membership?.mode !== 'centralized') return;
      if (version <= current) {
        if (version < current) {
          const error = `version ${version} is older than the applied version ${current}`;
          void deps.report({ version: String(version), stage: 'rejected', error });
        }
        return;
      }
      const ofJoin = joinState(membership);
      const decoded = decodeSettings(update);
      if ('error' in decoded) {
        log.warn({ version, error: decoded.error }, 'refused settings from the primary');
        ofJoin.refused = { version, error: decoded.error };
        ofJoin.reports.refused(version, decoded.error);
        return;
      }
      await deps.applyCentralized(version, decoded.settings);
      if (ofJoin.refused !== null && ofJoin.refused.version <= version) ofJoin.refused = null;
      log.info({ version, primary: membership.primary }, 'applied settings from the primary');
      // Not awaited: the next version is applied while this one is checked and reported.
      ofJoin.reports.applied(version, checkSettings(version, decoded.settings.mailServer));
    },

    refused: (membership) => (join?.joined === joinOf(membership) ? join.refused : null),

    async checkHeld(version, settings) {
      const result = await checkSettings(version, settings);
      const membership = state.get().membership;
      if (membership) joinState(membership).reports.checked(version, result);
    },
  };
}
