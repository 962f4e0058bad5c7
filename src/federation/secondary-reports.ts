/**
 * A secondary's Reports to the primary: one per version, the check against the mail server
 * travelling with the ACK when it ends within VERIFY_WITH_ACK_MS, the Reports sent one at a time
 * and in order, and a Report about a version older than the newest decided dropped (the primary
 * needs the newest only). Applying never waits on a Report.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ReportRequest } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { Logger } from '../log/logger.js';
import type { SettingsCheck } from './settings-check.js';

/**
 * The check against the mail server that follows an apply travels with the ACK when it ends
 * within this time (one Report per version; with mail off it ends at once); a slower one is
 * reported on its own when it ends, so a slow mail server never holds the ACK longer than this.
 */
export const VERIFY_WITH_ACK_MS = 2_000;

export interface ReportQueue {
  /** The version was refused (NACK), with the reason. */
  refused(version: number, error: string): void;
  /** The version was applied; `check` is its check against the mail server, under way. */
  applied(version: number, check: Promise<SettingsCheck>): void;
  /** A check of the settings held (after a restart), reported on its own. */
  checked(version: number, result: SettingsCheck): void;
}

function verifyReport(version: number, result: SettingsCheck): ReportRequest & { stage: string; error: string } {
  return { version: String(version), stage: result.outcome === 'failed' ? 'verify_failed' : 'verified', error: result.error ?? '' };
}

/** `send` makes one Report call and never throws (a failure is its to log). */
export function createReportQueue(deps: { send(request: ReportRequest): Promise<void>; log: Logger }): ReportQueue {
  const { send, log } = deps;
  let reporting: Promise<void> = Promise.resolve();
  /** The newest version applied or refused. */
  let decided = 0;

  function queue(version: number, request: () => Promise<ReportRequest>): void {
    reporting = reporting
      .then(async () => {
        const next = await request();
        if (version >= decided) await send(next);
      })
      .catch((err: unknown) => log.error({ err }, 'cannot report to the primary'));
  }

  return {
    refused(version, error) {
      decided = Math.max(decided, version);
      queue(version, async () => ({ version: String(version), stage: 'rejected', error }));
    },
    applied(version, check) {
      decided = Math.max(decided, version);
      // Awaited in the queue, maybe later: a failure is handled there, not unhandled now.
      check.catch(() => undefined);
      queue(version, async () => {
        const early = await Promise.race([check, delay(VERIFY_WITH_ACK_MS, null, { ref: false })]);
        if (early !== null) {
          const verify = verifyReport(version, early);
          return { version: String(version), stage: 'applied', error: '', verify_stage: verify.stage, verify_error: verify.error };
        }
        // The check goes on; its own Report follows this ACK once it ends (queued only then, so
        // that a slow check holds no other Report).
        void check.then(
          (result) => queue(version, async () => verifyReport(version, result)),
          (err: unknown) => log.error({ err }, 'cannot check the settings from the primary'),
        );
        return { version: String(version), stage: 'applied', error: '' };
      });
    },
    checked(version, result) {
      queue(version, async () => verifyReport(version, result));
    },
  };
}
