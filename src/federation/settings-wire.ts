/**
 * The one codec between the mail settings and the federation wire (proto MailServer and
 * SettingsUpdate). proto3 has no null: an unset text travels as '' and an unset port as 0.
 * Decoding ends in the settings schema, so a secondary refuses what arrives in the words its
 * own config file would be refused in.
 */
import type { SettingsUpdate, SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { checkFederatedSettings, formatIssues, type FederatedSettings } from '../settings/schema.js';

export function encodeSettings(version: number, settings: FederatedSettings, primaryName: string): SettingsUpdate {
  const m = settings.mailServer;
  return {
    version: String(version),
    mail_server: {
      enabled: m.enabled,
      host: m.host ?? '',
      port: m.port ?? 0,
      sender: m.sender ?? '',
      username: m.username ?? '',
      password: m.password ?? '',
      tls: m.tls,
      allow_plaintext_auth: m.allowPlaintextAuth,
      ca_pem: m.caPem ?? '',
    },
    recipients: [...settings.recipients],
    primary_name: primaryName,
    portal_address: settings.portalAddress ?? '',
  };
}

/** The settings of an update, or why they are refused (every problem, with its field). */
export function decodeSettings(update: SettingsUpdate__Output): { settings: FederatedSettings } | { error: string } {
  const m = update.mail_server;
  if (!m) return { error: 'the update has no mail server settings' };
  const orNull = (value: string) => (value === '' ? null : value);
  const checked = checkFederatedSettings({
    mailServer: {
      enabled: m.enabled,
      host: orNull(m.host),
      port: m.host === '' && m.port === 0 ? null : m.port,
      sender: orNull(m.sender),
      username: orNull(m.username),
      password: orNull(m.password),
      tls: m.tls,
      allowPlaintextAuth: m.allow_plaintext_auth,
      caPem: orNull(m.ca_pem),
    },
    recipients: update.recipients,
    portalAddress: orNull(update.portal_address),
  });
  return 'issues' in checked ? { error: formatIssues(checked.issues) } : checked;
}
