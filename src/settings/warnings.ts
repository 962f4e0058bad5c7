import type { EffectiveSettings } from './effective.js';

/** What status must say about the effective settings: ignored edits, nobody to notify. */
export function settingsWarnings(effective: EffectiveSettings): string[] {
  const warnings: string[] = [];
  const notice = effective.readOnlyNotice();
  if (notice) warnings.push(notice);
  const { mailServer, recipients } = effective.current();
  if (mailServer.enabled && recipients.length === 0) {
    warnings.push('notifications.recipients is empty: Appliance notifications and test emails have nobody to go to');
  }
  return warnings;
}
