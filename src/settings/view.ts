/**
 * What may be said about mail settings outside the relay: a view for status and logs (the
 * password only as set/unset), a digest to tell two settings apart, the warnings they earn.
 */
import { createHash } from 'node:crypto';
import { formatHostPort } from '../config/address.js';
import type { MailServerSettings } from './schema.js';

export interface MailServerView {
  enabled: boolean;
  server: string | null;
  sender: string | null;
  username: string | null;
  password: 'set' | 'unset';
  tls: boolean;
  privateCa: boolean;
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
