/**
 * Secrets rotated in the files the config names, without a restart (issue 24 item 1): a real
 * daemon, smtp-server with STARTTLS and AUTH, a real OAuth2 token endpoint. Each rotation is made
 * on the server side too, so the old secret no longer works: the next mail goes out only if the
 * daemon read the new one. SIGHUP (systemctl reload) reads every file again.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually, tempDir, type Json } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { CLIENT_ID, startTokenEndpoint, xoauth2Check, type TokenEndpoint } from '../helpers/oauth2.js';
import { newCertificates, startSmtpSink, testCertificates, type SmtpSink } from '../helpers/smtp.js';

const OLD_PASSWORD = 'old-Pa55word';
const NEW_PASSWORD = 'new-Pa55word';

/** As an editor or a secrets tool saves: a temporary file renamed over the old one. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** Submitted through the control socket (the CLI's process start is slow on a loaded machine). */
const alert = async (n: Node, subject: string) => {
  await n.control.submit({ to: ['ops@example.com'], subject, text: 'rotation', html: '', kind: 'alert', idempotency_key: '' });
  return { code: 0 };
};
const received = (sink: SmtpSink, subject: string) => eventually(() => sink.received.find((m) => m.raw.includes(`Subject: ${subject}`)), 15_000, `delivery of ${subject}`);
/** Resolves once the daemon applied a config whose reload was about `field`'s file. */
const applied = (n: Node, field: string, from: number) =>
  n.daemon.waitForLog((l) => l['msg'] === 'config applied' && Array.isArray(l['files']) && (l['files'] as string[]).includes(field), 10_000, from);

describe('secrets rotated in their files', () => {
  const users: Record<string, string> = { mailer: OLD_PASSWORD };
  let sink: SmtpSink;
  let n: Node;
  let passwordFile: string;
  let caFile: string;

  beforeAll(async () => {
    sink = await startSmtpSink({ users });
    // The password in a folder of its own (as /etc/appliance-mail/secrets): watched there too.
    const secrets = await tempDir('am-secrets-');
    passwordFile = join(secrets, 'smtp-password');
    caFile = join(secrets, 'ca.pem');
    await writeFile(caFile, sink.caPem);
    await writeFile(passwordFile, `${OLD_PASSWORD}\n`, { mode: 0o600 });
    const config = baseConfig('rotate', { relay: { retryMin: '300ms', retryMax: '1s' } }) as Json & { mailServer: Json };
    config.mailServer = { ...config.mailServer, server: `127.0.0.1:${sink.port}`, password: undefined, passwordFile, caFile };
    n = await startNode('rotate', config);
    await n.daemon.ready();
  });

  afterAll(async () => {
    n?.control.close();
    await n?.daemon.stop();
    await sink?.close();
  });

  it('a password rotated in passwordFile (and on the server) is used by the next delivery and the next test email', async () => {
    expect((await alert(n, 'before rotation')).code).toBe(0);
    await received(sink, 'before rotation');
    users['mailer'] = NEW_PASSWORD;
    const from = n.daemon.logs.length;
    await replaceFile(passwordFile, `${NEW_PASSWORD}\n`);
    await applied(n, 'mailServer.passwordFile', from);
    expect((await alert(n, 'after rotation')).code).toBe(0);
    await received(sink, 'after rotation');
    // A new session authenticated with the new password (not a pooled one from before).
    expect(sink.auths.at(-1)).toEqual({ username: 'mailer', password: NEW_PASSWORD });
    expect((await n.control.status()).outbox?.deferred).toBe(0);
    const steps: Array<{ step: string; ok: boolean }> = [];
    await n.control.testEmail({}, (step) => steps.push({ step: step.step, ok: step.ok }));
    expect(steps.find((s) => s.step === 'auth')).toEqual({ step: 'auth', ok: true });
    expect(steps.every((s) => s.ok)).toBe(true);
    expect(sink.auths.at(-1)).toEqual({ username: 'mailer', password: NEW_PASSWORD });
  });

  it('status says when each file the config names was last read, to administrators only', async () => {
    const status = await n.control.status();
    const files = status.config?.files ?? [];
    expect(files.map((f) => f.field).sort()).toEqual(['mailServer.caFile', 'mailServer.passwordFile']);
    expect(files.find((f) => f.field === 'mailServer.passwordFile')?.path).toBe(passwordFile);
    const cli = await n.cli(['status']);
    expect(cli.stdout).toMatch(/mailServer\.passwordFile\s+.*smtp-password, read /);
  });

  it('an emptied password file is refused with the field named; the last good password stays in use', async () => {
    const from = n.daemon.logs.length;
    await writeFile(passwordFile, '');
    await n.daemon.waitForLog((l) => l['level'] === 'error' && /mailServer\.passwordFile: must hold one non-empty line/.test(String(l['msg'])), 10_000, from);
    expect((await n.control.status()).config?.error).toMatch(/mailServer\.passwordFile/);
    expect((await alert(n, 'while refused')).code).toBe(0);
    await received(sink, 'while refused');
    await replaceFile(passwordFile, `${NEW_PASSWORD}\n`);
    await eventually(async () => ((await n.control.status()).config?.error === '' ? true : undefined), 10_000, 'the error to clear');
  });

  it('a new CA in caFile (the server now has a certificate from it) is trusted by the next delivery', async () => {
    const port = sink.port;
    const previous = await testCertificates();
    const next = await newCertificates('appliance-mail rotated CA');
    expect(next.caPem).not.toBe(previous.caPem);
    await sink.close();
    sink = await startSmtpSink({ port, users, certificates: next });
    const from = n.daemon.logs.length;
    await replaceFile(caFile, next.caPem);
    await applied(n, 'mailServer.caFile', from);
    expect((await alert(n, 'new CA')).code).toBe(0);
    const mail = await received(sink, 'new CA');
    expect(mail.secure).toBe(true);
  });

  it('SIGHUP (systemctl reload) reads the config file and every file it names again, and the daemon keeps running', async () => {
    const before = (await n.control.status()).config?.files.find((f) => f.field === 'mailServer.passwordFile')?.read_at ?? '';
    const from = n.daemon.logs.length;
    process.kill(n.daemon.pid, 'SIGHUP');
    await n.daemon.waitForLog((l) => /again \(SIGHUP\)/.test(String(l['msg'])), 10_000, from);
    const after = await eventually(async () => {
      const readAt = (await n.control.status()).config?.files.find((f) => f.field === 'mailServer.passwordFile')?.read_at ?? '';
      return readAt > before ? readAt : undefined;
    }, 10_000, 'the password file to be read again');
    expect(after > before).toBe(true);
    expect(n.daemon.running).toBe(true);
  });
});

describe('OAuth2 client secret rotated in clientSecretFile', () => {
  let tokens: TokenEndpoint;
  let sink: SmtpSink;
  let n: Node;

  afterAll(async () => {
    n?.control.close();
    await n?.daemon.stop();
    await sink?.close();
    await tokens?.close();
  });

  it('the next delivery fetches a token with the new secret', async () => {
    tokens = await startTokenEndpoint();
    const secrets = await tempDir('am-secrets-');
    const secretFile = join(secrets, 'client-secret');
    await writeFile(secretFile, `${tokens.clientSecret}\n`, { mode: 0o600 });
    await writeFile(join(secrets, 'ca.pem'), (await testCertificates()).caPem);
    const counters = { refused: 0, accepted: [] as string[] };
    sink = await startSmtpSink({ users: {}, extra: { authMethods: ['XOAUTH2'], onAuth: xoauth2Check(tokens, 'alerts@contoso.example', counters) } });
    const config = baseConfig('oauth-rotate', {
      mailServer: {
        enabled: true,
        server: `127.0.0.1:${sink.port}`,
        sender: 'alerts@contoso.example',
        username: 'alerts@contoso.example',
        tls: true,
        caFile: join(secrets, 'ca.pem'),
        auth: 'oauth2',
        oauth2: { tokenUrl: tokens.url, clientId: CLIENT_ID, clientSecretFile: secretFile, grant: 'client_credentials' },
      },
      relay: { retryMin: '300ms', retryMax: '1s' },
    });
    n = await startNode('oauth-rotate', config);
    await n.daemon.ready();
    expect((await alert(n, 'old secret')).code).toBe(0);
    await received(sink, 'old secret');

    // Rotated at the provider: the old secret and every token issued with it stop working.
    tokens.clientSecret = 'client-Pa55-rotated';
    tokens.revokeAll();
    const rotated = n.daemon.logs.length;
    await replaceFile(secretFile, 'client-Pa55-rotated\n');
    await applied(n, 'mailServer.oauth2.clientSecretFile', rotated);
    expect((await alert(n, 'new secret')).code).toBe(0);
    await received(sink, 'new secret');
    expect(tokens.requests.filter((r) => r.ok).length).toBe(2);
    expect(tokens.requests.filter((r) => !r.ok)).toEqual([]);
  });
});
