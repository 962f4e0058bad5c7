/**
 * What an SMTP failure means, decided once: its class (the metrics label), what delivery does
 * about it (retry now, back off, pause the server, never), its words and the fix its reply points
 * to. Delivery, the metrics, the test email, the secondary's verification, status and the dead
 * letters all read this one answer, as Alertmanager's notifiers return (retry, err) to one retry
 * stage. Pure: the error and the settings in, the answer out.
 */
import type { MailServerSettings } from '../settings/schema.js';
import { smtpHint, type HintSettings } from './smtp-hints.js';
import type { SmtpError } from './smtp-error.js';

/**
 * The classes an operator acts on differently: the server cannot be reached (connect), the
 * STARTTLS handshake or certificate failed (tls), the credentials were refused (auth), or the
 * server answered a command with a temporary (4xx) or permanent (5xx) refusal.
 */
export const SMTP_FAILURE_CLASSES = ['connect', 'tls', 'auth', '4xx', '5xx', 'other'] as const;
export type SmtpFailureClass = (typeof SMTP_FAILURE_CLASSES)[number];

/**
 * now: at once (a refused OAuth2 token, once, with a new one); backoff: this message later;
 * pause: the server fails every message alike (unreachable, TLS, AUTH, a refused session), so
 * deliveries wait and one message probes; never: refused for good (a dead letter).
 */
export type Retry = 'now' | 'backoff' | 'pause' | 'never';

export interface Classified {
  class: SmtpFailureClass;
  retry: Retry;
  /** The failure in words an operator can act on. Never includes a secret. */
  text: string;
  /** The fix the reply points to; null when it points to none. */
  hint: string | null;
}

export type ClassifySettings = HintSettings & Pick<MailServerSettings, 'host'>;

/**
 * `tokenRenewed`: a refused OAuth2 token was already replaced once in this streak, so another
 * refusal is the settings' fault, not a stale token's (then the server is paused, as for AUTH).
 */
export function classify(error: SmtpError, settings: ClassifySettings | null, streak: { tokenRenewed: boolean } = { tokenRenewed: false }): Classified {
  const failureClass = classOf(error);
  return { class: failureClass, retry: retryOf(error, failureClass, settings, streak.tokenRenewed), text: describe(error, settings), hint: settings === null ? null : smtpHint(error, settings) };
}

/** The failure in words with its fix, for status, logs and the dead letters. */
export function withHint(failure: Classified): string {
  return failure.hint === null ? failure.text : `${failure.text} (fix: ${failure.hint})`;
}

/** The commands that set a session up: a refusal there refuses every message alike. */
const SESSION_COMMANDS = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS']);

function classOf(e: SmtpError): SmtpFailureClass {
  switch (e.code) {
    case 'ETLS':
      return 'tls';
    case 'EAUTH':
      return 'auth';
    case 'ECONNECTION':
    case 'ESOCKET':
      if (isRefusedSession(e)) return '5xx';
      // nodemailer reports a refused or failed STARTTLS as a connection error (requireTLS).
      if (/STARTTLS|TLS|certificate/i.test(e.message)) return 'tls';
      return 'connect';
    case 'ETIMEDOUT':
    case 'EDNS':
      return 'connect';
    default:
      break;
  }
  // A 421 greeting or reply (server shutting down, busy) is an answer: a temporary refusal.
  const code = e.responseCode ?? 0;
  if (code >= 400 && code < 500) return '4xx';
  if (code >= 500 && code < 600) return '5xx';
  return 'other';
}

/** A 5xx to EHLO or HELO: the server answers, and refuses the session (often the name given). */
function isRefusedSession(e: SmtpError): boolean {
  return (e.command === 'EHLO' || e.command === 'HELO') && (e.responseCode ?? 0) >= 500;
}

function retryOf(e: SmtpError, failureClass: SmtpFailureClass, settings: ClassifySettings | null, tokenRenewed: boolean): Retry {
  // A 535 to an OAuth2 token: a token revoked or rotated at the provider before it expired. The
  // first refusal of a streak is tried again at once with a new token; nodemailer renews by
  // itself only where the server asks for it (Google's 334 challenge), not on a plain 535.
  if (settings?.auth === 'oauth2' && e.code === 'EAUTH' && e.responseCode === 535 && !tokenRenewed) return 'now';
  // Postfix refuses the EHLO name at RCPT ("Helo command rejected", smtpd_delay_reject): the
  // session is refused, for every message alike, as a refusal at EHLO is; not this message.
  if ((e.responseCode ?? 0) >= 500 && /\bHelo command rejected\b/i.test(e.response ?? e.message)) return 'pause';
  const permanent = (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && (e.responseCode ?? 0) >= 500;
  if (permanent) return 'never';
  // The server cannot be reached, or refuses every session alike: as Postfix marks a dead destination.
  if (['connect', 'tls', 'auth'].includes(failureClass) || e.responseCode === 421) return 'pause';
  if (SESSION_COMMANDS.has(e.command ?? '')) return 'pause';
  return 'backoff';
}

/** System error codes under nodemailer's ESOCKET/EDNS/ECONNECTION, in words. */
const TRANSPORT_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  EHOSTDOWN: 'the host is down',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the name was not found in DNS',
  EAI_AGAIN: 'the name could not be looked up now (DNS did not answer)',
  EAI_FAIL: 'the name could not be looked up (DNS failed)',
  ENODATA: 'the name has no address in DNS',
  EPIPE: 'the connection was closed while sending',
};

/** The errno a system error carries, from nodemailer's originalCode or its message ("connect ECONNREFUSED 127.0.0.1:1"). */
function systemCode(e: SmtpError): string | null {
  if (e.originalCode !== undefined && e.originalCode in TRANSPORT_WORDS) return e.originalCode;
  const named = /\b(E[A-Z_]{4,})\b/.exec(e.message)?.[1];
  return named !== undefined && named in TRANSPORT_WORDS ? named : null;
}

function serverName(settings: ClassifySettings | null): string {
  if (settings?.host == null) return 'the mail server';
  return settings.port === null ? settings.host : `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
}

/** An SMTP failure in words an operator can act on. Never includes the password. */
function describe(e: SmtpError, settings: ClassifySettings | null): string {
  // No token to present: the token endpoint's answer, already in words (see oauth2/token-endpoint).
  if (e.code === 'EAUTH' && /^AM_(OAUTH2|STATE)_/.test(e.originalCode ?? '')) return `no OAuth2 access token: ${e.message}`;
  if (isRefusedSession(e)) return `the mail server refused the ${e.command} greeting: ${e.response}`;
  const system = systemCode(e);
  switch (e.code) {
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
      if (/STARTTLS/i.test(e.message)) return `TLS failed: ${e.message}`;
      if (system !== null) return `cannot connect to ${serverName(settings)}: ${TRANSPORT_WORDS[system]}`;
      return `cannot connect: ${e.message}`;
    case 'ETIMEDOUT':
      if (/^Connection timeout/i.test(e.message)) return `cannot connect to ${serverName(settings)}: the connection timed out`;
      return `the mail server did not answer in time: ${e.message}`;
    case 'EAUTH':
      return `authentication failed: ${e.response ?? e.message}`;
    case 'ETLS':
      return `TLS failed: ${e.message}`;
    case 'EENVELOPE':
    case 'EMESSAGE':
      return `the mail server refused the message: ${e.response ?? e.message}`;
    default:
      return e.response ? `the mail server answered: ${e.response}` : e.message;
  }
}
