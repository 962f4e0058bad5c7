/**
 * What to do about an SMTP failure, from the server's reply or the transport error: the fix an
 * operator would otherwise look up. Read through classify(), so that the test email (a hint under
 * the failed step), status, the dead letters and the Web Console's test all name the same fix.
 */
import type { MailServerSettings } from '../settings/schema.js';
import type { SmtpError } from './smtp-error.js';

/** `heloName`: the EHLO name setting, when the settings carry it. */
export type HintSettings = Pick<MailServerSettings, 'port' | 'tls' | 'auth' | 'username' | 'sender'> & { heloName?: string | null | undefined };

/** The system error under a transport failure (nodemailer's originalCode, or the errno its message names). */
function errno(failure: SmtpError): string {
  return failure.originalCode ?? /\b(E[A-Z_]{4,})\b/.exec(failure.message)?.[1] ?? '';
}

const CHECK_SERVER = 'check mailServer.server (host and port)';

/** Hints for a server that could not be reached at all, by the system error under it. */
const TRANSPORT_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: `nothing accepts connections on that port (the mail server is not running, or a firewall rejects the connection): ${CHECK_SERVER}; the submission port is usually 587`,
  ETIMEDOUT: `nothing answered the connection request (a firewall drops it, or the host is down): ${CHECK_SERVER} and that this Appliance may reach it; many networks block outgoing port 25, the submission port is usually 587`,
  EHOSTUNREACH: `this Appliance has no network route to the mail server: ${CHECK_SERVER}, and this Appliance's network settings (address, gateway)`,
  ENETUNREACH: `this Appliance has no network route to the mail server: ${CHECK_SERVER}, and this Appliance's network settings (address, gateway)`,
  ENOTFOUND: `the mail server's name does not resolve: check its spelling in mailServer.server, and this Appliance's DNS servers`,
  ENODATA: `the mail server's name does not resolve: check its spelling in mailServer.server, and this Appliance's DNS servers`,
  EAI_AGAIN: "this Appliance's DNS servers did not answer: check its DNS settings (/etc/resolv.conf), or give mailServer.server as an IP address",
};

/** The fix for a failure, in words; null when the reply says nothing a hint could add to. */
export function smtpHint(failure: SmtpError, settings: HintSettings): string | null {
  const reply = `${failure.response ?? ''} ${failure.message}`;
  const code = failure.responseCode ?? Number(/^\s*(\d{3})[ -]/.exec(failure.response ?? '')?.[1] ?? 0);
  const command = failure.command ?? '';

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

  // A greeting that is an SMTP reply (421 busy) is SMTP: only a greeting without a reply code is not.
  const notSmtp = failure.code === 'EPROTOCOL' && command === 'CONN' && code === 0;
  const silent = failure.code === 'ETIMEDOUT' && /greeting/i.test(failure.message);
  const closed = failure.code === 'ECONNECTION' && command === 'CONN' && /closed unexpectedly/i.test(failure.message);
  if (notSmtp || silent || closed) {
    const what = notSmtp ? 'answered with something that is not SMTP' : silent ? 'sent no SMTP greeting' : 'closed the connection without an SMTP greeting';
    if (settings.port === 465) {
      return `the server ${what} after connect: port 465 speaks implicit TLS (SMTPS), and appliance-mail speaks STARTTLS only: use port 587 (or 25) with tls true`;
    }
    return `the server ${what} after connect: if this port speaks implicit TLS (as 465 does), use the STARTTLS port 587 (or 25) with tls true`;
  }

  // Postfix refuses the EHLO name at RCPT, not at EHLO (smtpd_delay_reject, its default): "504
  // 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname", and likewise for its
  // reject_invalid_ and reject_unknown_helo_hostname.
  const heloRefused = ((command === 'EHLO' || command === 'HELO') && code >= 500) || (code >= 500 && /\bHelo command rejected\b/i.test(reply));
  if (heloRefused) {
    const name = settings.heloName ? `the name ${settings.heloName} (mailServer.heloName)` : 'the name this Appliance gives';
    const where = command === 'EHLO' || command === 'HELO' ? command : `EHLO (refused at ${command || 'a later command'})`;
    return `the server refused ${name} in ${where}: set mailServer.heloName to this Appliance's fully qualified domain name, one the server accepts (e.g. appliance1.example.com)`;
  }

  if (failure.code === 'ETIMEDOUT' && /^Connection timeout/i.test(failure.message)) return TRANSPORT_HINTS['ETIMEDOUT']!;
  if (failure.code === 'ESOCKET' || failure.code === 'EDNS' || failure.code === 'ECONNECTION') {
    const hint = TRANSPORT_HINTS[errno(failure)];
    if (hint !== undefined && command === 'CONN') return hint;
  }

  if (command === 'STARTTLS' && code === 454) {
    return 'the server offers STARTTLS but cannot start TLS now (its own TLS setup is broken, e.g. a missing or unreadable certificate): the mail server\'s administrator must fix it; appliance-mail never falls back to plain text while mailServer.tls is true';
  }

  if (code === 530 || code === 538) {
    const wantsTls = /STARTTLS|TLS|encrypt/i.test(reply);
    const needAuth = 'the server requires authentication: set mailServer.username and a password, or auth "oauth2"';
    // "Authentication required" to a client without a username: the missing login is the fix, and
    // most servers offer AUTH only after STARTTLS.
    if (!wantsTls && settings.username === null && /auth/i.test(reply)) return settings.tls ? needAuth : `${needAuth}; most servers offer AUTH only after STARTTLS, so set mailServer.tls to true as well`;
    if (!settings.tls || wantsTls) return 'the server requires TLS before this command: set mailServer.tls to true (appliance-mail then requires STARTTLS)';
    if (settings.username === null) return needAuth;
  }

  const senderRefused = /^MAIL FROM/i.test(command) || (/^RCPT TO/i.test(command) && /sender/i.test(reply));
  if ((code === 550 || code === 553) && senderRefused) {
    const mailbox = settings.username !== null && settings.username !== settings.sender ? ` (${settings.username})` : '';
    return (
      `the server refused the sender ${settings.sender ?? ''}: mailServer.sender must be the authenticated mailbox${mailbox} or an address that mailbox may send as ` +
      '(Microsoft 365: a Send As permission on that address; Google: a verified "send mail as" alias)'
    );
  }
  return null;
}
