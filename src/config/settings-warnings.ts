import type { EffectiveSettings } from './effective.js';
import { plaintextAuthWarning } from '../settings/view.js';

/** What status must say about the effective settings: ignored edits, AUTH in clear, nobody to notify. */
export function settingsWarnings(effective: EffectiveSettings): string[] {
  const warnings: string[] = [];
  const notice = effective.readOnlyNotice();
  if (notice) warnings.push(notice);
  const { mailServer, recipients } = effective.current();
  const plaintextAuth = plaintextAuthWarning(mailServer);
  if (plaintextAuth) warnings.push(plaintextAuth);
  if (mailServer.enabled && recipients.length === 0) {
    warnings.push('notifications.recipients is empty: Appliance notifications and test emails have nobody to go to');
  }
  return warnings;
}
