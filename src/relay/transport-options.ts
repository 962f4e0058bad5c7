/**
 * nodemailer SMTP options from mail server settings: the one place that decides how TLS and
 * AUTH are used. tls=true means STARTTLS is required (requireTLS): a server that does not offer it,
 * or whose certificate does not verify, fails; never implicit TLS (secure is always false).
 * With auth "oauth2", AUTH is XOAUTH2 with a token from `tokens` (the settings require tls, so
 * it is sent only after STARTTLS); nodemailer asks again with renew=true once when the server
 * refuses a token.
 */
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailServerSettings } from '../settings/schema.js';
import type { TokenSource } from '../oauth2/token-source.js';
import { classify, withHint } from './classify.js';
import { toSmtpError } from './smtp-error.js';

/** Where XOAUTH2 gets its token: a token source, or (in the SMTP worker) a request to the main thread. */
export type TokenProvider = (renew: boolean) => Promise<{ token: string; expiresAt: number }>;

/** A token source as nodemailer's provisionCallback: (user, renew, callback(err, token, expires)). */
function provisionCallback(tokens: TokenProvider) {
  return (_user: string, renew: boolean, callback: (err: Error | null, accessToken: string, expires: number) => void) => {
    tokens(renew).then(
      (t) => callback(null, t.token, t.expiresAt),
      (err: unknown) => callback(err as Error, '', 0),
    );
  };
}

export function tokenProvider(source: TokenSource): TokenProvider {
  return (renew) => source.token(renew);
}

/** A mail server that does not greet or answer in this long is treated as down. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;

export function smtpOptions(settings: MailServerSettings, tokens: TokenProvider | null = null): SMTPTransport.Options {
  if (settings.host === null || settings.port === null) throw new Error('mail server settings have no server');
  if (settings.auth === 'oauth2' && tokens === null) throw new Error('OAuth2 settings need a token provider');
  return {
    host: settings.host,
    port: settings.port,
    secure: false,
    requireTLS: settings.tls,
    ignoreTLS: !settings.tls,
    tls: {
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(settings.caPem ? { ca: settings.caPem } : {}),
    },
    ...(settings.username === null
      ? {}
      : settings.auth === 'oauth2'
        ? { auth: { type: 'OAuth2' as const, user: settings.username, provisionCallback: provisionCallback(tokens!) } }
        : { auth: { user: settings.username, pass: settings.password ?? '' } }),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  };
}

/**
 * Checks settings without sending mail: connect, EHLO, STARTTLS, AUTH. Resolves null when they
 * work, else the reason in words.
 */
export async function verifySettings(settings: MailServerSettings, tokens: TokenSource | null = null): Promise<string | null> {
  if (!settings.enabled) return null;
  if (settings.auth === 'oauth2' && tokens === null) return 'OAuth2 settings cannot be verified without a token source';
  // nodemailer is loaded when first needed: a daemon starts without it on its main thread.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(smtpOptions(settings, tokens === null ? null : tokenProvider(tokens)));
  try {
    await transport.verify();
    return null;
  } catch (err) {
    return withHint(classify(toSmtpError(err), settings));
  } finally {
    transport.close();
  }
}
