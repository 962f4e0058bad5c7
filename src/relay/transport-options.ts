/**
 * nodemailer SMTP options from mail server settings: the one place that decides how TLS and
 * AUTH are used. tls=true means STARTTLS is required (requireTLS): a server that does not offer it,
 * or whose certificate does not verify, fails; never implicit TLS (secure is always false).
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailServerSettings } from '../config/settings.js';

/** A mail server that does not greet or answer in this long is treated as down. */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;

export function smtpOptions(settings: MailServerSettings): SMTPTransport.Options {
  if (settings.host === null || settings.port === null) throw new Error('mail server settings have no server');
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
    ...(settings.username !== null ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  };
}

/**
 * Checks settings without sending mail: connect, EHLO, STARTTLS, AUTH. Resolves null when they
 * work, else the reason in words.
 */
export async function verifySettings(settings: MailServerSettings): Promise<string | null> {
  if (!settings.enabled) return null;
  const transport = nodemailer.createTransport(smtpOptions(settings));
  try {
    await transport.verify();
    return null;
  } catch (err) {
    return describeSmtpError(err);
  } finally {
    transport.close();
  }
}

/** An SMTP failure in words an operator can act on. Never includes the password. */
export function describeSmtpError(err: unknown): string {
  const e = err as { code?: string; response?: string; responseCode?: number; message?: string; command?: string };
  switch (e.code) {
    case 'ECONNECTION':
    case 'ESOCKET':
      if (/STARTTLS/i.test(e.message ?? '')) return `TLS failed: ${e.message}`;
      return `cannot connect: ${e.message}`;
    case 'ETIMEDOUT':
      return `the mail server did not answer in time: ${e.message}`;
    case 'EAUTH':
      return `authentication failed: ${e.response ?? e.message}`;
    case 'ETLS':
      return `TLS failed: ${e.message}`;
    case 'EENVELOPE':
    case 'EMESSAGE':
      return `the mail server refused the message: ${e.response ?? e.message}`;
    default:
      return e.response ? `the mail server answered: ${e.response}` : (e.message ?? String(err));
  }
}
