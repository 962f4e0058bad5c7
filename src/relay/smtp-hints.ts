/**
 * What to do about a mail server's refusal, from its reply: the fix an operator would otherwise
 * look up. Used by the test email (a hint under the failed step), delivery errors in status and
 * the Web Console's test, so that all three name the same fix.
 */
import type { MailServerSettings } from '../settings/schema.js';

/** The parts of an SMTP failure the hints read (nodemailer's error, or its data from the worker). */
export interface SmtpFailure {
  code?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  command?: string | undefined;
  message?: string | undefined;
}

type HintSettings = Pick<MailServerSettings, 'port' | 'tls' | 'auth' | 'username' | 'sender'>;

/** The fix for a failure, in words; null when the reply says nothing a hint could add to. */
export function smtpHint(failure: SmtpFailure, settings: HintSettings): string | null {
  const reply = `${failure.response ?? ''} ${failure.message ?? ''}`;
  const code = failure.responseCode ?? Number(/^\s*(\d{3})[ -]/.exec(failure.response ?? '')?.[1] ?? 0);

  if (code === 535 && /\b5\.7\.(139|3)\b|basic auth/i.test(reply)) {
    if (settings.auth === 'oauth2') {
      return (
        `the server refused the OAuth2 token for ${settings.username ?? 'the mailbox'}: with Microsoft 365 the app needs the SMTP.SendAsApp application permission ` +
        '(admin consent given), an Exchange service principal (New-ServicePrincipal) with FullAccess on that mailbox, and SMTP AUTH enabled for the mailbox; ' +
        'with Google, the scope https://mail.google.com/ and a username that is the account the token belongs to'
      );
    }
    return 'the provider has turned off password (basic) authentication for SMTP and requires OAuth2: set mailServer.auth to "oauth2" with mailServer.oauth2 (see the README, OAuth2); an app password does not help';
  }

  const notSmtp = failure.code === 'EPROTOCOL' && failure.command === 'CONN';
  const silent = failure.code === 'ETIMEDOUT' && /greeting/i.test(failure.message ?? '');
  const closed = failure.code === 'ECONNECTION' && failure.command === 'CONN' && /closed unexpectedly/i.test(failure.message ?? '');
  if (notSmtp || silent || closed) {
    const what = notSmtp ? 'answered with something that is not SMTP' : silent ? 'sent no SMTP greeting' : 'closed the connection without an SMTP greeting';
    if (settings.port === 465) {
      return `the server ${what} after connect: port 465 speaks implicit TLS (SMTPS), and appliance-mail speaks STARTTLS only: use port 587 (or 25) with tls true`;
    }
    return `the server ${what} after connect: if this port speaks implicit TLS (as 465 does), use the STARTTLS port 587 (or 25) with tls true`;
  }

  if (code === 530) {
    if (!settings.tls || /STARTTLS|TLS/i.test(reply)) {
      return 'the server requires TLS before this command: set mailServer.tls to true (appliance-mail then requires STARTTLS)';
    }
    if (settings.username === null) return 'the server requires authentication: set mailServer.username and a password, or auth "oauth2"';
  }

  if ((code === 550 || code === 553) && /^MAIL FROM/i.test(failure.command ?? '')) {
    const mailbox = settings.username !== null && settings.username !== settings.sender ? ` (${settings.username})` : '';
    return (
      `the server refused the sender ${settings.sender ?? ''}: mailServer.sender must be the authenticated mailbox${mailbox} or an address that mailbox may send as ` +
      '(Microsoft 365: a Send As permission on that address; Google: a verified "send mail as" alias)'
    );
  }
  return null;
}

/** A failure in words, with its fix when there is one: for status and dead letters. */
export function withHint(description: string, failure: SmtpFailure, settings: HintSettings | null): string {
  const hint = settings === null ? null : smtpHint(failure, settings);
  return hint === null ? description : `${description} (fix: ${hint})`;
}
