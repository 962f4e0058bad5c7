/**
 * classify(): every reply class and transport error the code knows, one row each, as nodemailer
 * reports it (the shapes were taken from nodemailer against real servers; the hints against real
 * servers are in smtp-hints.test.ts, the policy applied in delivery.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { classify, SMTP_FAILURE_CLASSES, withHint, type ClassifySettings, type Retry, type SmtpFailureClass } from '../../src/relay/classify.js';
import { toSmtpError, type SmtpError } from '../../src/relay/smtp-error.js';

const base: ClassifySettings = { host: '127.0.0.1', port: 587, tls: true, auth: 'password', username: 'alerts@contoso.example', sender: 'alerts@contoso.example' };
const plain: ClassifySettings = { ...base, tls: false, username: null };
const oauth2: ClassifySettings = { ...base, auth: 'oauth2' };

interface Row {
  name: string;
  error: SmtpError;
  settings?: ClassifySettings;
  tokenRenewed?: boolean;
  class: SmtpFailureClass;
  retry: Retry;
  text: RegExp;
  hint: RegExp | null;
}

const ROWS: Row[] = [
  // The server cannot be reached: transport errors, in words.
  { name: 'connection refused', error: { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:587' }, class: 'connect', retry: 'pause', text: /^cannot connect to 127\.0\.0\.1:587: the connection was refused$/, hint: /^nothing accepts connections on that port .*check mailServer\.server \(host and port\)/ },
  { name: 'connection refused (errno only in the message)', error: { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' }, class: 'connect', retry: 'pause', text: /^cannot connect to 127\.0\.0\.1:587: the connection was refused$/, hint: null },
  { name: 'connect timed out', error: { code: 'ETIMEDOUT', command: 'CONN', message: 'Connection timeout' }, class: 'connect', retry: 'pause', text: /^cannot connect to 127\.0\.0\.1:587: the connection timed out$/, hint: /^nothing answered the connection request \(a firewall drops it, or the host is down\)/ },
  { name: 'no route to host', error: { code: 'ESOCKET', originalCode: 'EHOSTUNREACH', command: 'CONN', message: 'connect EHOSTUNREACH 10.0.0.9:587' }, class: 'connect', retry: 'pause', text: /: no route to the host$/, hint: /no network route to the mail server/ },
  { name: 'no route to network', error: { code: 'ESOCKET', originalCode: 'ENETUNREACH', command: 'CONN', message: 'connect ENETUNREACH 10.0.0.9:587' }, class: 'connect', retry: 'pause', text: /: no route to the network$/, hint: /no network route to the mail server/ },
  { name: 'name not found', error: { code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN', message: 'getaddrinfo ENOTFOUND smtp.contoso.invalid' }, settings: { ...base, host: 'smtp.contoso.invalid' }, class: 'connect', retry: 'pause', text: /^cannot connect to smtp\.contoso\.invalid:587: the name was not found in DNS$/, hint: /name does not resolve: check its spelling in mailServer\.server/ },
  { name: 'DNS did not answer', error: { code: 'EDNS', originalCode: 'EAI_AGAIN', command: 'CONN', message: 'getaddrinfo EAI_AGAIN smtp.contoso.example' }, class: 'connect', retry: 'pause', text: /the name could not be looked up now \(DNS did not answer\)$/, hint: /DNS servers did not answer/ },
  { name: 'reset in the session', error: { code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'DATA', message: 'read ECONNRESET' }, class: 'connect', retry: 'pause', text: /: the connection was reset$/, hint: null },
  { name: 'closed before a greeting', error: { code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' }, class: 'connect', retry: 'pause', text: /^cannot connect: Connection closed unexpectedly$/, hint: /closed the connection without an SMTP greeting after connect/ },
  { name: 'no greeting', error: { code: 'ETIMEDOUT', command: 'CONN', message: 'Greeting never received' }, class: 'connect', retry: 'pause', text: /^the mail server did not answer in time: Greeting never received$/, hint: /sent no SMTP greeting after connect/ },
  { name: 'an answer that is not SMTP', error: { code: 'EPROTOCOL', command: 'CONN', message: 'Invalid greeting. response=HTTP/1.1 400 Bad Request' }, class: 'other', retry: 'pause', text: /^Invalid greeting/, hint: /answered with something that is not SMTP/ },
  // The session is refused.
  { name: '421 greeting', error: { code: 'EPROTOCOL', command: 'CONN', responseCode: 421, response: '421 Service not available', message: 'Invalid greeting. response=421 Service not available: 421 Service not available' }, class: '4xx', retry: 'pause', text: /^the mail server answered: 421 Service not available$/, hint: null },
  { name: '5xx to EHLO (tls true: no HELO)', error: { code: 'ECONNECTION', command: 'EHLO', responseCode: 504, response: '504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname', message: 'EHLO failed but HELO does not support required STARTTLS. response=504 ...' }, class: '5xx', retry: 'pause', text: /^the mail server refused the EHLO greeting: 504 5\.5\.2 <vm>: Helo command rejected/, hint: /refused the name this Appliance gives in EHLO: set mailServer\.heloName to this Appliance's fully qualified domain name/ },
  { name: '5xx to HELO (after EHLO)', error: { code: 'EPROTOCOL', command: 'HELO', responseCode: 504, response: '504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname', message: 'Invalid HELO. response=504 ...' }, settings: { ...plain, heloName: 'vm' }, class: '5xx', retry: 'pause', text: /^the mail server refused the HELO greeting: 504/, hint: /refused the name vm \(mailServer\.heloName\) in HELO: set mailServer\.heloName/ },
  // TLS.
  { name: '454 TLS not available', error: { code: 'ETLS', command: 'STARTTLS', responseCode: 454, response: '454 4.7.0 TLS not available due to local problem', message: 'Error upgrading connection with STARTTLS: 454 4.7.0 TLS not available due to local problem' }, class: 'tls', retry: 'pause', text: /^TLS failed: Error upgrading connection with STARTTLS: 454/, hint: /offers STARTTLS but cannot start TLS now .* never falls back to plain text/ },
  { name: 'STARTTLS not offered', error: { code: 'ETLS', command: 'STARTTLS', responseCode: 502, response: '502 5.5.2 Error: command not recognized', message: 'Error upgrading connection with STARTTLS: 502 5.5.2 Error: command not recognized' }, class: 'tls', retry: 'pause', text: /^TLS failed: /, hint: null },
  { name: 'certificate does not verify', error: { code: 'ETLS', command: 'STARTTLS', message: 'Error initiating TLS - self-signed certificate in certificate chain' }, class: 'tls', retry: 'pause', text: /^TLS failed: Error initiating TLS - self-signed certificate/, hint: null },
  { name: 'certificate as a socket error', error: { code: 'ESOCKET', message: 'self-signed certificate in certificate chain' }, class: 'tls', retry: 'pause', text: /^cannot connect: self-signed certificate/, hint: null },
  // AUTH.
  { name: '535 to a password', error: { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 Error: authentication failed', message: 'Invalid login: 535 5.7.8 Error: authentication failed' }, class: 'auth', retry: 'pause', text: /^authentication failed: 535 5\.7\.8/, hint: null },
  { name: '535 5.7.139: basic auth off', error: { code: 'EAUTH', command: 'AUTH LOGIN', responseCode: 535, response: '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', message: 'Invalid login' }, class: 'auth', retry: 'pause', text: /^authentication failed: 535 5\.7\.139/, hint: /requires OAuth2: set mailServer\.auth to "oauth2"/ },
  { name: '535 to an OAuth2 token: once more now', error: { code: 'EAUTH', command: 'AUTH XOAUTH2', responseCode: 535, response: '535 5.7.3 Authentication unsuccessful', message: 'Invalid login' }, settings: oauth2, class: 'auth', retry: 'now', text: /^authentication failed: 535 5\.7\.3/, hint: /SMTP\.SendAsApp/ },
  { name: '535 to a renewed OAuth2 token: pause', error: { code: 'EAUTH', command: 'AUTH XOAUTH2', responseCode: 535, response: '535 5.7.3 Authentication unsuccessful', message: 'Invalid login' }, settings: oauth2, tokenRenewed: true, class: 'auth', retry: 'pause', text: /^authentication failed: 535/, hint: /SMTP\.SendAsApp/ },
  { name: 'no OAuth2 token', error: { code: 'EAUTH', originalCode: 'AM_OAUTH2_REFUSED', command: 'AUTH XOAUTH2', message: 'the OAuth2 token endpoint https://login.example/t refused the client_credentials grant (HTTP 401): invalid_client' }, settings: oauth2, class: 'auth', retry: 'pause', text: /^no OAuth2 access token: the OAuth2 token endpoint/, hint: null },
  // The envelope.
  { name: '530 at MAIL: STARTTLS first', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Must issue a STARTTLS command first', message: 'Mail command failed: 530 5.7.0 Must issue a STARTTLS command first' }, settings: plain, class: '5xx', retry: 'never', text: /^the mail server refused the message: 530 5\.7\.0/, hint: /requires TLS before this command: set mailServer\.tls to true/ },
  { name: '530 at MAIL: authentication required, over TLS', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required', message: 'Mail command failed' }, settings: { ...base, username: null }, class: '5xx', retry: 'never', text: /530 5\.7\.0 Authentication required/, hint: /^the server requires authentication: set mailServer\.username and a password, or auth "oauth2"$/ },
  { name: '530 at MAIL: authentication required, plain text', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530, response: '530 5.7.0 Authentication required', message: 'Mail command failed' }, settings: plain, class: '5xx', retry: 'never', text: /530/, hint: /requires authentication: .*; most servers offer AUTH only after STARTTLS, so set mailServer\.tls to true as well$/ },
  { name: '538 at MAIL: encryption required', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 538, response: '538 5.7.11 Encryption required for requested authentication mechanism', message: 'Mail command failed' }, settings: plain, class: '5xx', retry: 'never', text: /538 5\.7\.11/, hint: /requires TLS before this command/ },
  { name: '550 at MAIL: sender refused', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.7.60 SMTP; Client does not have permissions to send as this sender', message: 'Mail command failed' }, settings: { ...base, sender: 'noreply@contoso.example' }, class: '5xx', retry: 'never', text: /550 5\.7\.60/, hint: /refused the sender noreply@contoso\.example: mailServer\.sender must be the authenticated mailbox \(alerts@contoso\.example\)/ },
  { name: '553 at RCPT: sender refused (Postfix)', error: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 553, response: '553 5.7.1 <alerts@contoso.example>: Sender address rejected: not owned by user ops', message: "Can't send mail - all recipients were rejected" }, class: '5xx', retry: 'never', text: /553 5\.7\.1 .*Sender address rejected/, hint: /refused the sender alerts@contoso\.example: mailServer\.sender must be the authenticated mailbox or an address that mailbox may send as/ },
  { name: 'EHLO name refused at RCPT (Postfix, smtpd_delay_reject): the server is paused, no dead letter', error: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 504, response: '504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname', message: "Can't send mail - all recipients were rejected" }, settings: { ...plain, heloName: 'vm' }, class: '5xx', retry: 'pause', text: /504 5\.5\.2 <vm>: Helo command rejected/, hint: /refused the name vm \(mailServer\.heloName\) in EHLO \(refused at RCPT TO\): set mailServer\.heloName/ },
  { name: '550 at RCPT: no such user', error: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 <x@example.com>: Recipient address rejected: User unknown', message: 'Recipient command failed' }, class: '5xx', retry: 'never', text: /550 5\.1\.1/, hint: null },
  { name: '450 at RCPT', error: { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450, response: '450 4.2.0 mailbox busy', message: 'Recipient command failed' }, class: '4xx', retry: 'backoff', text: /^the mail server refused the message: 450/, hint: null },
  { name: '451 at MAIL', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 451, response: '451 4.3.0 try later', message: 'Mail command failed' }, class: '4xx', retry: 'backoff', text: /451 4\.3\.0/, hint: null },
  { name: '421 at MAIL: the server goes away', error: { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 421, response: '421 4.7.0 closing', message: 'Mail command failed' }, class: '4xx', retry: 'pause', text: /421/, hint: null },
  // The message.
  { name: '552 at DATA', error: { code: 'EMESSAGE', command: 'DATA', responseCode: 552, response: '552 5.3.4 Message too big', message: 'Message failed' }, class: '5xx', retry: 'never', text: /^the mail server refused the message: 552/, hint: null },
  { name: '452 at DATA', error: { code: 'EMESSAGE', command: 'DATA', responseCode: 452, response: '452 4.3.1 Insufficient system storage', message: 'Message failed' }, class: '4xx', retry: 'backoff', text: /452/, hint: null },
  // Ours.
  { name: 'the worker stopped', error: { code: 'EWORKER', message: 'the SMTP worker stopped' }, class: 'other', retry: 'backoff', text: /^the SMTP worker stopped$/, hint: null },
  { name: 'the relay is closed', error: { code: 'ECLOSED', message: 'the relay is closed' }, class: 'other', retry: 'backoff', text: /^the relay is closed$/, hint: null },
];

describe('classify', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const got = classify(row.error, row.settings ?? base, { tokenRenewed: row.tokenRenewed ?? false });
    expect(got.class).toBe(row.class);
    expect(got.retry).toBe(row.retry);
    expect(got.text).toMatch(row.text);
    if (row.hint === null) expect(got.hint).toBeNull();
    else expect(got.hint).toMatch(row.hint);
  });

  it('the table covers every class and every retry', () => {
    expect(new Set(ROWS.map((r) => r.class))).toEqual(new Set(SMTP_FAILURE_CLASSES));
    expect(new Set(ROWS.map((r) => r.retry))).toEqual(new Set(['now', 'backoff', 'pause', 'never']));
  });

  it('without settings: the words, no hint', () => {
    expect(classify({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:1' }, null)).toEqual({ class: 'connect', retry: 'pause', text: 'cannot connect to the mail server: the connection was refused', hint: null });
  });

  it('withHint puts the fix after the words', () => {
    expect(withHint({ class: '5xx', retry: 'never', text: 'refused', hint: 'do this' })).toBe('refused (fix: do this)');
    expect(withHint({ class: '5xx', retry: 'never', text: 'refused', hint: null })).toBe('refused');
  });

  it('toSmtpError keeps only the data fields of any thrown value', () => {
    const err = Object.assign(new Error('Invalid login: 535 no'), { code: 'EAUTH', responseCode: 535, response: '535 no', command: 'AUTH PLAIN', extra: { secret: 'Pa55' } });
    expect(toSmtpError(err)).toEqual({ code: 'EAUTH', responseCode: 535, response: '535 no', command: 'AUTH PLAIN', message: 'Invalid login: 535 no' });
    expect(toSmtpError('boom')).toEqual({ message: 'boom' });
  });
});
