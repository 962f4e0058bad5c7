/**
 * "Send test email": one message, at once, not through the queue, with every step reported as
 * it happens (connect, EHLO, STARTTLS, AUTH, the server's reply), so that an operator sees where
 * mail stops.
 */
import { hostname } from 'node:os';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { formatHostPort, splitRecipients } from '../config/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { EffectiveSettings } from '../settings/effective.js';
import type { MailServerSettings } from '../config/settings.js';
import { describeSmtpError, smtpOptions } from './transport-options.js';

export interface TestStep {
  step: 'settings' | 'connect' | 'starttls' | 'auth' | 'message';
  ok: boolean;
  detail: string;
}

export interface TestEmailRequest {
  settings: MailServerSettings;
  to: readonly string[];
  nodeName: string;
  source: string;
}

/** Runs the test, calling `onStep` for each step; resolves true only if the server accepted it. */
export async function sendTestEmail(request: TestEmailRequest, onStep: (step: TestStep) => void): Promise<boolean> {
  const { settings, to } = request;
  if (!settings.enabled || settings.host === null || settings.port === null) {
    onStep({ step: 'settings', ok: false, detail: `the mail server is disabled (settings from ${request.source})` });
    return false;
  }
  if (to.length === 0) {
    onStep({ step: 'settings', ok: false, detail: 'no recipients: set notifications.recipients or pass --to' });
    return false;
  }
  const server = formatHostPort({ host: settings.host, port: settings.port });
  onStep({ step: 'settings', ok: true, detail: `server ${server}, ${settings.tls ? 'STARTTLS required' : 'plain text'}, from ${request.source}` });
  const connection = new SMTPConnection({ ...smtpOptions(settings), name: hostname() } as SMTPConnection.Options);
  // Connection failures arrive as 'error' events, not through connect's callback.
  connection.on('error', () => undefined);
  try {
    const connected = await new Promise<string | null>((resolve) => {
      connection.once('error', (err) => resolve(describeSmtpError(err)));
      connection.connect(() => resolve(null));
    });
    if (connected !== null) {
      const tlsStep = /STARTTLS|TLS/i.test(connected);
      onStep({ step: tlsStep ? 'starttls' : 'connect', ok: false, detail: connected });
      return false;
    }
    onStep({ step: 'connect', ok: true, detail: `connected to ${server}; greeting and EHLO accepted` });
    if (settings.tls) {
      const socket = connection._socket as unknown as { getProtocol?: () => string | null; getCipher?: () => { name: string } };
      onStep({ step: 'starttls', ok: true, detail: `upgraded to ${socket.getProtocol?.() ?? 'TLS'} (${socket.getCipher?.().name ?? 'cipher unknown'}), certificate verified` });
    } else {
      onStep({ step: 'starttls', ok: true, detail: 'not used: tls is false, the message travels in plain text' });
    }
    if (settings.username !== null) {
      const authError = await new Promise<string | null>((resolve) =>
        connection.login({ user: settings.username!, pass: settings.password ?? '' }, (err) => resolve(err ? describeSmtpError(err) : null)),
      );
      if (authError !== null) {
        onStep({ step: 'auth', ok: false, detail: authError });
        return false;
      }
      onStep({ step: 'auth', ok: true, detail: `authenticated as ${settings.username}` });
    } else {
      onStep({ step: 'auth', ok: true, detail: 'not used: no username set' });
    }
    const raw = await new MailComposer({
      from: settings.sender ?? '',
      to: [...to],
      subject: `appliance-mail test email from ${request.nodeName}`,
      text: [
        `This is a test email from appliance-mail on ${request.nodeName}.`,
        '',
        `It was sent through ${server} (${settings.tls ? 'STARTTLS' : 'plain text'}), with settings from ${request.source}.`,
        'If you can read it, this Appliance can send alerts, digests and notifications.',
      ].join('\n'),
    })
      .compile()
      .build();
    const sent = await new Promise<{ error: string | null; response: string; rejected: string[] }>((resolve) =>
      connection.send({ from: settings.sender ?? '', to: [...to] }, raw, (err, info) =>
        resolve(err ? { error: describeSmtpError(err), response: '', rejected: [] } : { error: null, response: info.response, rejected: (info.rejected ?? []).map(String) }),
      ),
    );
    if (sent.error !== null) {
      onStep({ step: 'message', ok: false, detail: sent.error });
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
 * The test as an operator asks for it: through the effective settings, to `to` if given (checked
 * like any recipient list), else to the notification recipients.
 */
export async function testEffectiveSettings(
  deps: { effective: EffectiveSettings; config: LiveConfig },
  to: readonly string[],
  onStep: (step: TestStep) => void,
): Promise<boolean> {
  const current = deps.effective.current();
  const recipients = to.length > 0 ? splitRecipients(to) : { valid: [...current.recipients], invalid: [] };
  if (recipients.invalid.length > 0) throw new AppError('AM_INVALID_ARGUMENT', `--to: '${recipients.invalid[0]}' is not a valid email address`);
  return sendTestEmail({ settings: current.mailServer, to: recipients.valid, nodeName: deps.config.current().node.name, source: current.source }, onStep);
}
