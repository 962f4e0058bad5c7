/**
 * The one codec between the mail settings and the federation wire (proto MailServer and
 * SettingsUpdate). proto3 has no null: an unset text travels as '' and an unset port as 0.
 * Decoding ends in the settings schema, so a secondary refuses what arrives in the words its
 * own config file would be refused in.
 */
import type { SettingsUpdate, SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { OAuth2, OAuth2__Output } from '../generated/appliance_mail/federation/v1/OAuth2.js';
import type { OAuth2Settings } from '../settings/oauth2.js';
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
      auth: m.auth,
      oauth2: m.oauth2 === null ? null : encodeOAuth2(m.oauth2),
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
      auth: m.auth === '' ? 'password' : m.auth,
      oauth2: m.oauth2 ? decodeOAuth2(m.oauth2) : null,
    },
    recipients: update.recipients,
    portalAddress: orNull(update.portal_address),
  });
  if ('settings' in checked) return checked;
  if (m.oauth2?.grant === 'refresh_token') {
    return { error: `${REFRESH_TOKEN_NOT_FEDERATED}; ${formatIssues(checked.issues)}` };
  }
  return { error: formatIssues(checked.issues) };
}

/**
 * Why a secondary cannot take the primary's refresh_token grant: the provider rotates the refresh
 * token on each use, so two nodes sharing one would lock each other out.
 */
export const REFRESH_TOKEN_NOT_FEDERATED =
  'the primary authenticates with the OAuth2 refresh_token grant, whose token the provider rotates on use and which only one node can hold: use grant client_credentials on the primary to centralize OAuth2, or make this node local';

/** The refresh token never leaves the primary (see REFRESH_TOKEN_NOT_FEDERATED). */
function encodeOAuth2(o: OAuth2Settings): OAuth2 {
  return {
    token_url: o.tokenUrl,
    client_id: o.clientId,
    client_secret: o.clientSecret ?? '',
    scope: o.scope ?? '',
    grant: o.grant,
    refresh_token: '',
  };
}

function decodeOAuth2(o: OAuth2__Output): unknown {
  const orNull = (value: string) => (value === '' ? null : value);
  return {
    tokenUrl: o.token_url,
    clientId: o.client_id,
    clientSecret: orNull(o.client_secret),
    scope: orNull(o.scope),
    grant: o.grant,
    refreshToken: orNull(o.refresh_token),
  };
}
