/**
 * What may be said about mail settings outside the relay: a view for status and logs (the
 * password only as set/unset), a digest to tell two settings apart, the warnings they earn.
 */
import { createHash } from 'node:crypto';
import { formatHostPort } from '../util/address.js';
import { endpointName } from './oauth2.js';
import type { MailServerSettings } from './schema.js';

export interface MailServerView {
  enabled: boolean;
  server: string | null;
  sender: string | null;
  username: string | null;
  password: 'set' | 'unset';
  tls: boolean;
  privateCa: boolean;
  auth: 'password' | 'oauth2';
  /** With auth "oauth2": where tokens come from; the secret and refresh token only as set/unset. */
  oauth2: { tokenUrl: string; grant: string; clientId: string; clientSecret: 'set' | 'unset'; refreshToken: 'set' | 'unset' } | null;
}

/** `host:port` of the settings' server, as written to connect; null when none is set. */
export function serverAddress(settings: Pick<MailServerSettings, 'host' | 'port'>): string | null {
  return settings.host === null || settings.port === null ? null : formatHostPort({ host: settings.host, port: settings.port });
}

export function describeMailServer(settings: MailServerSettings): MailServerView {
  return {
    enabled: settings.enabled,
    server: serverAddress(settings),
    sender: settings.sender,
    username: settings.username,
    password: settings.password === null ? 'unset' : 'set',
    tls: settings.tls,
    privateCa: settings.caPem !== null,
    auth: settings.auth,
    oauth2:
      settings.oauth2 === null
        ? null
        : {
            tokenUrl: endpointName(settings.oauth2.tokenUrl),
            grant: settings.oauth2.grant,
            clientId: settings.oauth2.clientId,
            clientSecret: settings.oauth2.clientSecret === null ? 'unset' : 'set',
            refreshToken: settings.oauth2.refreshToken === null ? 'unset' : 'set',
          },
  };
}

/** A status warning while AUTH crosses the network in clear (the operator opted in), else null. */
export function plaintextAuthWarning(settings: MailServerSettings): string | null {
  if (!settings.enabled || settings.tls || settings.username === null) return null;
  return `mailServer.allowPlaintextAuth is on and tls is false: the SMTP username and password cross the network to ${serverAddress(settings) ?? 'the mail server'} in clear`;
}

/** A digest of everything, secrets included, to tell whether two settings differ. Never shown. */
export function settingsDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
