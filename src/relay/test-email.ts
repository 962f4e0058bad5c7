/**
 * "Send test email": one message, at once, not through the queue, with every step reported as
 * it happens (the OAuth2 token, connect, EHLO, STARTTLS, AUTH, the server's reply), so that an
 * operator sees where mail stops, and a failed step carries the fix its reply points to.
 */
import { randomUUID } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { formatHostPort, splitRecipients } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { MailServerSettings } from '../settings/schema.js';
import type { OAuth2Tokens, TokenSource } from '../oauth2/token-source.js';
import { classify } from './classify.js';
import { fromHeaderLine, renderMessage } from './render.js';
import { toSmtpError } from './smtp-error.js';
import { smtpOptions, tokenProvider } from './transport-options.js';

export interface TestStep {
  step: 'settings' | 'token' | 'connect' | 'starttls' | 'auth' | 'message';
  ok: boolean;
  detail: string;
  /** On a failed step: the fix the server's reply points to, when there is one. */
  hint?: string;
}

export interface TestEmailRequest {
  settings: MailServerSettings;
  to: readonly string[];
  nodeName: string;
  /** The EHLO name and Message-ID domain (mailServer.heloName). */
  heloName: string;
  source: string;
  /** Where mail to local names (root, root@localhost) goes, in words, for the message's text; none when unset. */
  localMail?: string;
  /** Where the OAuth2 token comes from (auth "oauth2"); shared with delivery so a refresh token is spent once. */
  tokens: OAuth2Tokens;
}

/** Runs the test, calling `onStep` for each step; resolves true only if the server accepted it. */
export async function sendTestEmail(request: TestEmailRequest, onStep: (step: TestStep) => void): Promise<boolean> {
  const { settings, to } = request;
  const failed = (step: TestStep['step'], err: unknown) => {
    // The EHLO name goes with the settings, so that a refused name is named in the hint.
    const { text, hint } = classify(toSmtpError(err), { ...settings, heloName: request.heloName });
    onStep({ step, ok: false, detail: text, ...(hint === null ? {} : { hint }) });
  };
  if (!settings.enabled || settings.host === null || settings.port === null) {
    onStep({ step: 'settings', ok: false, detail: `the mail server is disabled (settings from ${request.source})` });
    return false;
  }
  if (to.length === 0) {
    onStep({ step: 'settings', ok: false, detail: 'no recipients: set notifications.recipients or pass --to' });
    return false;
  }
  const server = formatHostPort({ host: settings.host, port: settings.port });
  const authWay = settings.username === null ? 'no AUTH' : settings.auth === 'oauth2' ? `AUTH XOAUTH2 as ${settings.username}` : `AUTH as ${settings.username}`;
  onStep({ step: 'settings', ok: true, detail: `server ${server}, ${settings.tls ? 'STARTTLS required' : 'plain text'}, ${authWay}, from ${request.source}` });
  const source = request.tokens.forSettings(settings);
  let token: { token: string; expiresAt: number } | null = null;
  if (source !== null) {
    token = await tokenStep(source, onStep);
    if (token === null) return false;
  }
  // The server's certificate, as Node's own check sees it (the step shows whom TLS was with).
  let peer: PeerCertificate | null = null;
  const options = smtpOptions(settings, source === null ? null : tokenProvider(source));
  const { default: Connection } = await import('nodemailer/lib/smtp-connection/index.js');
  const connection = new Connection({
    ...options,
    name: request.heloName,
    tls: {
      ...options.tls,
      checkServerIdentity: (host: string, cert: PeerCertificate) => {
        peer = cert;
        return checkServerIdentity(host, cert);
      },
    },
    customAuth: { [XOAUTH2_METHOD]: xoauth2 },
  } as SMTPConnection.Options);
  // Connection failures arrive as 'error' events, not through connect's callback.
  connection.on('error', () => undefined);
  try {
    const connected = await new Promise<Error | null>((resolve) => {
      connection.once('error', (err) => resolve(err));
      // A close before any greeting comes to this callback, not as an 'error' event.
      connection.connect((err) => resolve(err ?? null));
    });
    if (connected !== null) {
      failed(classify(toSmtpError(connected), settings).class === 'tls' ? 'starttls' : 'connect', connected);
      return false;
    }
    onStep({ step: 'connect', ok: true, detail: `connected to ${server}; greeting and EHLO ${request.heloName} accepted` });
    if (settings.tls) {
      onStep({ step: 'starttls', ok: true, detail: `upgraded with STARTTLS (TLS 1.2 or later), ${certificateWords(peer)}, verified` });
    } else {
      onStep({ step: 'starttls', ok: true, detail: 'not used: tls is false, the message travels in plain text' });
    }
    if (settings.username !== null) {
      const user = settings.username;
      const login = (t: { token: string; expiresAt: number } | null) => {
        const credentials = t !== null ? { method: XOAUTH2_METHOD, user, accessToken: t.token } : { user, pass: settings.password ?? '' };
        return new Promise<Error | null>((resolve) => connection.login(credentials, (err) => resolve(err ?? null)));
      };
      let authError = await login(token);
      let renewed = false;
      // A refused token is tried once more with a new one, as delivery does (classify decides).
      if (authError !== null && token !== null && source !== null && classify(toSmtpError(authError), settings).retry === 'now') {
        renewed = true;
        token = await source.token(true).catch(() => null);
        if (token !== null) authError = await login(token);
      }
      if (authError !== null) {
        failed('auth', authError);
        return false;
      }
      onStep({ step: 'auth', ok: true, detail: `authenticated as ${user}${token !== null ? ' with XOAUTH2' : ''}${renewed ? ' (with a renewed token, after the first was refused)' : ''}` });
    } else {
      onStep({ step: 'auth', ok: true, detail: 'not used: no username set' });
    }
    // The test email is rendered as queued mail is, so that what it proves holds for them too.
    const rendered = renderMessage({
      id: randomUUID(),
      to,
      subject: `appliance-mail test email from ${request.nodeName}`,
      text: [
        `This is a test email from appliance-mail on ${request.nodeName}.`,
        '',
        `It was sent through ${server} (${settings.tls ? 'STARTTLS' : 'plain text'}), with settings from ${request.source}.`,
        'If you can read it, this Appliance can send alerts, digests and notifications.',
        ...(request.localMail === undefined ? [] : ['', request.localMail]),
      ].join('\n'),
      html: null,
      createdAt: Date.now(),
      domain: request.heloName,
    });
    const raw = settings.sender ? Buffer.concat([fromHeaderLine(settings.sender), rendered]) : rendered;
    const sent = await new Promise<{ error: Error | null; response: string; rejected: string[] }>((resolve) =>
      connection.send({ from: settings.sender ?? '', to: [...to] }, raw, (err, info) =>
        resolve(err ? { error: err, response: '', rejected: [] } : { error: null, response: info.response, rejected: (info.rejected ?? []).map(String) }),
      ),
    );
    if (sent.error !== null) {
      failed('message', sent.error);
      return false;
    }
    if (sent.rejected.length > 0) {
      onStep({ step: 'message', ok: false, detail: `refused for ${sent.rejected.join(', ')}; accepted for the others: ${sent.response}` });
      return false;
    }
    onStep({ step: 'message', ok: true, detail: `accepted for ${to.join(', ')}: ${sent.response}` });
    return true;
  } finally {
    connection.quit();
    connection.close();
  }
}

/**
 * XOAUTH2 with a token in hand, through nodemailer's documented custom authentication: a method
 * name of our own (nodemailer's "XOAUTH2" is reserved for its token generator object).
 */
const XOAUTH2_METHOD = 'APPLIANCE-XOAUTH2';

/** The SASL XOAUTH2 exchange (Google's and Microsoft's format): one command, and the empty reply a 334 challenge asks for. */
async function xoauth2(context: SMTPConnection.CustomAuthenticationContext): Promise<void> {
  const { user, accessToken } = context.auth as unknown as { user: string; accessToken: string };
  const initial = Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
  let reply = await context.sendCommand(`AUTH XOAUTH2 ${initial}`);
  // A refusal may come as a 334 with an error document; the client's empty line gets the final reply (RFC 7628 3.2.3).
  if (reply.status === 334) reply = await context.sendCommand('');
  if (reply.status !== 235) throw new Error('Invalid login');
}

/** The server's certificate in words: whom it names and who signed it, and until when. */
function certificateWords(cert: PeerCertificate | null): string {
  if (cert === null || cert.subject === undefined) return 'certificate';
  const validTo = Number.isNaN(Date.parse(cert.valid_to)) ? cert.valid_to : new Date(cert.valid_to).toISOString().slice(0, 10);
  return `certificate for ${cert.subject.CN ?? cert.subjectaltname ?? 'an unnamed subject'} issued by ${cert.issuer?.CN ?? cert.issuer?.O ?? 'an unnamed issuer'}, valid until ${validTo}`;
}

/** A new token (the test proves the endpoint and the secret work now, not an hour ago). */
async function tokenStep(source: TokenSource, onStep: (step: TestStep) => void): Promise<{ token: string; expiresAt: number } | null> {
  const { endpoint, grant } = source.status();
  try {
    const token = await source.token(true);
    const expiry = token.expiresAt === 0 ? 'no expiry given' : `valid until ${new Date(token.expiresAt).toISOString()} (${Math.round((token.expiresAt - token.obtainedAt) / 1000)} s)`;
    onStep({ step: 'token', ok: true, detail: `access token from ${endpoint} (grant ${grant}), ${expiry}` });
    return token;
  } catch (err) {
    onStep({ step: 'token', ok: false, detail: (err as Error).message, hint: tokenHint((err as { code?: string }).code) });
    return null;
  }
}

function tokenHint(code: string | undefined): string {
  return code === 'AM_OAUTH2_REFUSED'
    ? 'the provider refused the request: check mailServer.oauth2 (the client secret\'s value, not its id; the client id; the tenant in tokenUrl; the scope) against the app registration'
    : 'the token endpoint could not be asked: check that tokenUrl is reachable from this Appliance and that its certificate verifies (a private CA goes in mailServer.caFile)';
}

/**
 * The test as an operator asks for it: through the effective settings, to `to` if given (checked
 * like any recipient list), else to the notification recipients.
 */
export async function testEffectiveSettings(
  deps: { effective: EffectiveSettings; config: LiveConfig; tokens: OAuth2Tokens },
  to: readonly string[],
  onStep: (step: TestStep) => void,
): Promise<boolean> {
  const current = deps.effective.current();
  const recipients = to.length > 0 ? splitRecipients(to) : { valid: [...current.recipients], invalid: [] };
  if (recipients.invalid.length > 0) throw new AppError('AM_INVALID_ARGUMENT', `--to: '${recipients.invalid[0]}' is not a valid email address`);
  const config = deps.config.current();
  const localMail = describeLocalMail(config.notifications.localRecipients, current.recipients, config.node.name);
  return sendTestEmail({ settings: current.mailServer, to: recipients.valid, nodeName: config.node.name, heloName: current.heloName, source: current.source, tokens: deps.tokens, localMail }, onStep);
}

/** Where this host's own mail (cron's, smartd's, mdadm's, to root or another local name) goes. */
function describeLocalMail(named: Readonly<Record<string, readonly string[]>>, recipients: readonly string[], nodeName: string): string {
  const others = Object.entries(named).map(([name, to]) => `${name} goes to ${to.join(', ')}`);
  const rest = recipients.length > 0 ? recipients.join(', ') : 'nobody (notifications.recipients is empty: such mail is refused)';
  return [
    `Mail from this host to a local name (root, postmaster, root@localhost, root@${nodeName}), as cron, smartd and mdadm send it, goes to ${rest}`,
    others.length > 0 ? `; by notifications.localRecipients, ${others.join('; ')}.` : ' (notifications.recipients; notifications.localRecipients can send a name elsewhere).',
  ].join('');
}
