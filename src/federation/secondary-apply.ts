/**
 * What a centralized secondary does with an update from its primary: refuse it (NACK, with every
 * problem named) or apply it durably, check the applied settings against the mail server, and
 * report both (secondary-reports.ts: one Report per version, in order).
 */
import type * as grpc from '@grpc/grpc-js';
import type { FederationClient } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings, MailServerSettings } from '../settings/schema.js';
import type { Membership } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { call } from '../util/grpc-errors.js';
import { createReportQueue } from './secondary-reports.js';
import { CALL_DEADLINE_MS, credentials } from './secondary-channel.js';
import type { SettingsCheck, SettingsChecks } from './settings-check.js';
import { decodeSettings } from './settings-wire.js';

export interface UpdateHandler {
  /** Refuses or applies one update; resolves once an applied version is on disk. */
  handle(update: SettingsUpdate__Output, membership: Membership): Promise<void>;
  /** Checks the settings held across a restart again, and reports the result. */
  checkHeld(version: number, settings: MailServerSettings): Promise<void>;
}

export function createUpdateHandler(deps: {
  state: StateStore;
  checks: SettingsChecks;
  /** The client of the current stream (null while there is none). */
  client: () => FederationClient | null;
  /** Writes the applied settings durably (and tells whoever follows them). */
  applyCentralized: (version: number, settings: FederatedSettings) => Promise<void>;
  log: Logger;
}): UpdateHandler {
  const { state, checks, log } = deps;

  /** Sends one Report now; a failure is logged (the primary learns the applied version at the next Watch). */
  async function report(membership: Membership | null, request: ReportRequest): Promise<void> {
    const client = deps.client();
    if (!client || membership === null) return;
    try {
      await call(client.Report.bind(client), request, CALL_DEADLINE_MS, credentials(membership));
    } catch (err) {
      log.warn({ version: request.version, stage: request.stage, code: (err as grpc.ServiceError).code }, 'could not report to the primary; it learns the applied version at the next connection');
    }
  }

  const reports = createReportQueue({ send: (request) => report(state.get().membership, request), log });

  /** Checks settings against the mail server from here; the result goes to status (and to the primary). */
  async function checkSettings(version: number, settings: MailServerSettings): Promise<SettingsCheck> {
    const result = await checks.check(version, settings);
    if (result.outcome === 'failed') log.warn({ version, problem: result.error }, 'settings from the primary do not work from this node');
    else log.info({ version, outcome: result.outcome }, 'settings from the primary checked against the mail server');
    return result;
  }

  return {
    async handle(update, membership) {
      const version = Number(update.version);
      const current = state.get().centralized?.version ?? 0;
      if (state.get().membership?.mode !== 'centralized') return;
      if (version <= current) {
        if (version < current) {
          const error = `version ${version} is older than the applied version ${current}`;
          void report(membership, { version: String(version), stage: 'rejected', error });
        }
        return;
      }
      const decoded = decodeSettings(update);
      if ('error' in decoded) {
        log.warn({ version, error: decoded.error }, 'refused settings from the primary');
        reports.refused(version, decoded.error);
        return;
      }
      await deps.applyCentralized(version, decoded.settings);
      log.info({ version, primary: membership.primary }, 'applied settings from the primary');
      // Not awaited: the next version is applied while this one is checked and reported.
      reports.applied(version, checkSettings(version, decoded.settings.mailServer));
    },

    async checkHeld(version, settings) {
      reports.checked(version, await checkSettings(version, settings));
    },
  };
}
