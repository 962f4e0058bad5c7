/**
 * The test email names the fix: each hint against a real server on loopback that answers the way
 * the hint is about (smtp-server with hooks, a raw socket that does not speak SMTP, a token
 * endpoint and an SMTP server refusing its tokens), through the same function the CLI, the
 * control API and the Web Console call.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { createOAuth2Tokens } from '../../src/oauth2/token-source.js';
import { classify } from '../../src/relay/classify.js';
import { sendTestEmail, type TestStep } from '../../src/relay/test-email.js';
import { CLIENT_ID, CLIENT_SECRET, startTokenEndpoint } from '../helpers/oauth2.js';
import { REFUSED_PORT, startScriptedSmtp, startSmtpSink } from '../helpers/smtp.js';

const log = createLogger({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function settings(port: number, caPem: string | null, more: Partial<MailServerSettings> = {}): MailServerSettings {
  return {
    enabled: true,
    host: '127.0.0.1',
    port,
    sender: 'alerts@contoso.example',
    username: null,
    password: null,
    tls: true,
    allowPlaintextAuth: false,
    caPem,
    auth: 'password',
    oauth2: null,
    ...more,
  };
}

async function runTest(s: MailServerSettings): Promise<TestStep[]> {
  const steps: TestStep[] = [];
  await sendTestEmail({ settings: s, to: ['ops@example.com'], nodeName: 'unit', source: 'test', tokens: createOAuth2Tokens({ state: null, log }) }, (step) => steps.push(step));
  return steps;
}

const failedStep = (steps: TestStep[]) => steps.find((step) => !step.ok);

async function sink(extra: Parameters<typeof startSmtpSink>[0]) {
  const s = await startSmtpSink(extra);
  cleanups.push(() => s.close());
  return s;
}

async function scripted(reply: (line: string) => string | null): Promise<number> {
  const server = await startScriptedSmtp(reply);
  cleanups.push(() => server.close());
  return server.port;
}

describe('hints from the server\'s reply', () => {
  it('535 5.7.139 to a password: the provider requires OAuth2', async () => {
    const smtp = await sink({
      users: {},
      extra: { onAuth: (_auth, _session, callback) => callback(Object.assign(new Error('5.7.139 Authentication unsuccessful, basic authentication is disabled.'), { responseCode: 535 })) },
    });
    const steps = await runTest(settings(smtp.port, smtp.caPem, { username: 'alerts@contoso.example', password: 'app-Pa55word' }));
    expect(failedStep(steps)).toMatchObject({ step: 'auth', detail: expect.stringMatching(/535 5\.7\.139/) });
    expect(failedStep(steps)?.hint).toMatch(/requires OAuth2: set mailServer\.auth to "oauth2"/);
    expect(JSON.stringify(steps)).not.toMatch(/Pa55/);
  });

  it('535 5.7.3 to an OAuth2 token, after one renewal: what Microsoft 365 needs granted', async () => {
    const tokens = await startTokenEndpoint();
    cleanups.push(() => tokens.close());
    let refused = 0;
    const smtp = await sink({
      users: {},
      extra: {
        authMethods: ['XOAUTH2'],
        onAuth: (_auth, _session, callback) => {
          refused++;
          callback(Object.assign(new Error('5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]'), { responseCode: 535 }));
        },
      },
    });
    const oauth2 = { tokenUrl: tokens.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'https://outlook.office365.com/.default', grant: 'client_credentials' as const, refreshToken: null };
    const steps = await runTest(settings(smtp.port, smtp.caPem, { username: 'alerts@contoso.example', auth: 'oauth2', oauth2 }));
    expect(steps.map((step) => [step.step, step.ok])).toEqual([
      ['settings', true],
      ['token', true],
      ['connect', true],
      ['starttls', true],
      ['auth', false],
    ]);
    expect(steps[1]?.detail).toMatch(/^access token from https:\/\/127\.0\.0\.1:\d+\/tenant-1\/oauth2\/v2\.0\/token \(grant client_credentials\), valid until \d{4}-.* \(3600 s\)$/);
    expect(failedStep(steps)?.hint).toMatch(/SMTP\.SendAsApp .* service principal/);
    expect(refused).toBe(2);
    expect(tokens.issued.length).toBe(2);
    expect(JSON.stringify(steps)).not.toMatch(/Pa55/);
  });

  it('a reply that is not SMTP after connect: the port speaks implicit TLS', async () => {
    // What a client that waits for a greeting gets from some TLS front ends: a TLS alert record.
    const server: Server = createServer((socket) => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const steps = await runTest(settings(port, null));
    expect(failedStep(steps)?.step).toBe('connect');
    expect(failedStep(steps)?.hint).toMatch(/without an SMTP greeting after connect: if this port speaks implicit TLS \(as 465 does\), use the STARTTLS port 587 \(or 25\)/);
    // A line that is not a greeting (here a web server's).
    const web: Server = createServer((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => web.close(() => resolve())));
    const webSteps = await runTest(settings((web.address() as { port: number }).port, null));
    expect(failedStep(webSteps)).toMatchObject({ step: 'connect', hint: expect.stringMatching(/answered with something that is not SMTP after connect: if this port speaks implicit TLS/) });
    // On 465 itself the hint is plain (the function, as no test binds a privileged port).
    expect(classify({ code: 'ETIMEDOUT', command: 'CONN', message: 'Greeting never received' }, settings(465, null)).hint).toMatch(/port 465 speaks implicit TLS \(SMTPS\), and appliance-mail speaks STARTTLS only: use port 587/);
  });

  it('530 5.7.0 before MAIL FROM: enable TLS', async () => {
    const smtp = await sink({
      starttls: false,
      extra: { onMailFrom: (_address, _session, callback) => callback(Object.assign(new Error('5.7.0 Must issue a STARTTLS command first'), { responseCode: 530 })) },
    });
    const steps = await runTest(settings(smtp.port, null, { tls: false }));
    expect(failedStep(steps)).toMatchObject({ step: 'message', detail: expect.stringMatching(/530 5\.7\.0/) });
    expect(failedStep(steps)?.hint).toMatch(/requires TLS before this command: set mailServer\.tls to true/);
  });

  it('550 on MAIL FROM: the sender must be the authenticated mailbox or one it may send as', async () => {
    const smtp = await sink({
      users: { 'alerts@contoso.example': 'S3nd-Pa55' },
      extra: {
        onMailFrom: (_address, _session, callback) =>
          callback(Object.assign(new Error('5.7.60 SMTP; Client does not have permissions to send as this sender'), { responseCode: 550 })),
      },
    });
    const steps = await runTest(settings(smtp.port, smtp.caPem, { username: 'alerts@contoso.example', password: 'S3nd-Pa55', sender: 'noreply@contoso.example' }));
    expect(failedStep(steps)).toMatchObject({ step: 'message', detail: expect.stringMatching(/550 5\.7\.60/) });
    expect(failedStep(steps)?.hint).toMatch(/refused the sender noreply@contoso\.example: mailServer\.sender must be the authenticated mailbox \(alerts@contoso\.example\) or an address that mailbox may send as/);
  });

  it('553 at RCPT naming the sender (Postfix\'s smtpd_sender_login_maps): the sender hint', async () => {
    const smtp = await sink({
      users: { 'alerts@contoso.example': 'S3nd-Pa55' },
      extra: {
        onRcptTo: (_address, session, callback) =>
          callback(Object.assign(new Error(`5.7.1 <${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}>: Sender address rejected: not owned by user alerts@contoso.example`), { responseCode: 553 })),
      },
    });
    const steps = await runTest(settings(smtp.port, smtp.caPem, { username: 'alerts@contoso.example', password: 'S3nd-Pa55', sender: 'noreply@contoso.example' }));
    expect(failedStep(steps)).toMatchObject({ step: 'message', detail: expect.stringMatching(/553 5\.7\.1 <noreply@contoso\.example>: Sender address rejected/) });
    expect(failedStep(steps)?.hint).toMatch(/refused the sender noreply@contoso\.example: mailServer\.sender must be the authenticated mailbox \(alerts@contoso\.example\)/);
  });

  it('530 "Authentication required" at MAIL without a username: set one (and TLS, which AUTH needs)', async () => {
    const smtp = await sink({
      starttls: false,
      extra: { onMailFrom: (_address, _session, callback) => callback(Object.assign(new Error('5.7.0 Authentication required'), { responseCode: 530 })) },
    });
    const steps = await runTest(settings(smtp.port, null, { tls: false }));
    expect(failedStep(steps)).toMatchObject({ step: 'message', detail: expect.stringMatching(/530 5\.7\.0 Authentication required/) });
    expect(failedStep(steps)?.hint).toMatch(/^the server requires authentication: set mailServer\.username and a password, or auth "oauth2"; most servers offer AUTH only after STARTTLS/);
  });

  it('538 at MAIL: encryption required, enable TLS', async () => {
    const smtp = await sink({
      starttls: false,
      extra: { onMailFrom: (_address, _session, callback) => callback(Object.assign(new Error('5.7.11 Encryption required for requested authentication mechanism'), { responseCode: 538 })) },
    });
    const steps = await runTest(settings(smtp.port, null, { tls: false }));
    expect(failedStep(steps)).toMatchObject({ step: 'message', detail: expect.stringMatching(/538 5\.7\.11/) });
    expect(failedStep(steps)?.hint).toMatch(/requires TLS before this command: set mailServer\.tls to true/);
  });

  it('454 to STARTTLS (TLS not available): the server\'s TLS is broken, no fall-back to plain text', async () => {
    const port = await scripted((line) => (/^EHLO/i.test(line) ? '250-mx.contoso.example\r\n250 STARTTLS' : /^STARTTLS/i.test(line) ? '454 4.7.0 TLS not available due to local problem' : null));
    const steps = await runTest(settings(port, null));
    expect(failedStep(steps)).toMatchObject({ step: 'starttls', detail: expect.stringMatching(/^TLS failed: .*454 4\.7\.0 TLS not available/) });
    expect(failedStep(steps)?.hint).toMatch(/offers STARTTLS but cannot start TLS now .* never falls back to plain text/);
  });

  it.each([true, false])('5xx to EHLO and HELO (Postfix\'s reject_non_fqdn_helo_hostname), tls %s: the hint names mailServer.heloName', async (tls) => {
    const refuse = '504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname';
    const port = await scripted((line) => (/^(EHLO|HELO)/i.test(line) ? refuse : null));
    const steps = await runTest(settings(port, null, { tls }));
    expect(failedStep(steps)).toMatchObject({ step: 'connect', detail: expect.stringMatching(/^the mail server refused the (EHLO|HELO) greeting: 504 5\.5\.2 <vm>: Helo command rejected/) });
    expect(failedStep(steps)?.hint).toMatch(/set mailServer\.heloName to this Appliance's fully qualified domain name/);
  });

  it('a refused connection, in words, with what to check', async () => {
    const steps = await runTest(settings(REFUSED_PORT, null));
    expect(failedStep(steps)).toMatchObject({ step: 'connect', detail: `cannot connect to 127.0.0.1:${REFUSED_PORT}: the connection was refused` });
    expect(failedStep(steps)?.hint).toMatch(/^nothing accepts connections on that port .*check mailServer\.server \(host and port\)/);
    expect(JSON.stringify(steps)).not.toMatch(/ECONNREFUSED/);
  });

  it('no hint where the reply points to none', () => {
    expect(classify({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 User unknown', message: 'Recipient command failed' }, settings(587, null)).hint).toBeNull();
  });
});
