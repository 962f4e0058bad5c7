/**
 * Appliance notifications and dashboard digests as submitters ask for them: rendered here, then
 * queued through the relay's intake like any other mail.
 */
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Intake } from '../relay/intake.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { Caller } from '../relay/outbox.js';
import { renderNotification } from './appliance-events.js';
import { parseDigest, renderDigest } from './digest.js';

export interface NotifyRequest {
  event: string;
  version: string;
  detail: string;
  idempotencyKey: string;
}

export interface Queued {
  id: string;
  duplicate: boolean;
}

export interface Notifier {
  /** An Appliance event, to `notifications.recipients` of the effective settings. */
  notify(request: NotifyRequest, caller: Caller): Promise<Queued>;
  /**
   * A digest as the Portal sends it (shape checked by digestSchema); links follow the effective
   * portal.address (the primary's on a centralized node).
   */
  digest(input: unknown, idempotencyKey: string, caller: Caller): Promise<Queued>;
}

export function createNotifier(deps: { config: LiveConfig; effective: EffectiveSettings; intake: Intake }): Notifier {
  const { config, effective, intake } = deps;
  return {
    async notify(request, caller) {
      const { recipients, source } = effective.current();
      if (recipients.length === 0) {
        throw new AppError('AM_INVALID_ARGUMENT', `notifications.recipients is empty (settings from ${source}); nobody to notify`);
      }
      const mail = renderNotification({ event: request.event, node: config.current().node.name, version: request.version, detail: request.detail, at: new Date() });
      // The body carries the time of rendering: a resubmission is the same request, not the same text.
      const idempotencyContent = JSON.stringify([request.event, request.version, request.detail]);
      return intake.submit({ ...mail, to: recipients, kind: 'appliance', idempotencyKey: request.idempotencyKey, idempotencyContent }, caller);
    },
    async digest(input, idempotencyKey, caller) {
      const digest = parseDigest(input);
      const mail = renderDigest(digest, { portalAddress: effective.current().portalAddress, node: config.current().node.name });
      return intake.submit({ ...mail, to: digest.subscribers, kind: 'digest', idempotencyKey }, caller);
    },
  };
}

/** A status warning while digests go out without links to the Portal, saying whose setting is missing. */
export function portalAddressWarning(effective: EffectiveSettings): string | null {
  const { portalAddress, source } = effective.current();
  if (portalAddress !== null) return null;
  const whose = effective.mode() === 'centralized' ? `the primary has no portal.address (settings from ${source})` : 'portal.address is not set';
  return `${whose}: dashboard digests are sent without links to the Portal`;
}
