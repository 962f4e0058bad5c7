/**
 * Mail server settings as the relay uses them, whatever their source: the local config file or
 * the primary's stream. One shape for both, so the transport never asks where they came from.
 */
import { createHash } from 'node:crypto';
import { formatHostPort } from './address.js';

export interface MailServerSettings {
  readonly enabled: boolean;
  readonly host: string | null;
  readonly port: number | null;
  readonly sender: string | null;
  readonly username: string | null;
  readonly password: string | null;
  /** true: STARTTLS is required; never implicit TLS, never a plain-text fall-back. */
  readonly tls: boolean;
  /** PEM of a private CA that signs the mail server's certificate, if any. */
  readonly caPem: string | null;
}

/** What may be shown to an operator or logged: the password only as set/unset. */
export interface MailServerView {
  enabled: boolean;
  server: string | null;
  sender: string | null;
  username: string | null;
  password: 'set' | 'unset';
  tls: boolean;
  privateCa: boolean;
}

export function describeMailServer(settings: MailServerSettings): MailServerView {
  return {
    enabled: settings.enabled,
    server: settings.host === null || settings.port === null ? null : formatHostPort({ host: settings.host, port: settings.port }),
    sender: settings.sender,
    username: settings.username,
    password: settings.password === null ? 'unset' : 'set',
    tls: settings.tls,
    privateCa: settings.caPem !== null,
  };
}

/** A digest of everything, secrets included, to tell whether two settings differ. Never shown. */
export function settingsDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
