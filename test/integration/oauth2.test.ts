/**
 * SMTP with OAuth2 (XOAUTH2) end to end: a real daemon, a real token endpoint on loopback (HTTPS
 * with the test CA, which mailServer.caFile hands to both the token request and STARTTLS) and
 * smtp-server accepting only bearer tokens that endpoint issued and that are still valid.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, DaemonProcess, eventually, tempDir, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { CLIENT_ID, CLIENT_SECRET, INITIAL_REFRESH_TOKEN, startTokenEndpoint, xoauth2Check, type TokenEndpoint } from '../helpers/oauth2.js';
import { startSmtpSink, testCertificates, type SmtpSink } from '../helpers/smtp.js';

const MAILBOX = 'alerts@contoso.example';
const SCOPE = 'https://outlook.office365.com/.default';

describe('SMTP OAuth2', () => {
  const nodes: Node[] = [];
  const closers: Array<() => Promise<void>> = [];
  let ca: string;

  beforeAll(async () => {
    const dir = await tempDir('am-ca-');
    ca = join(dir, 'ca.pem');
    await writeFile(ca, (await testCertificates()).caPem);
  });

  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    }
    for (const close of closers.splice(0)) await close();
  });

  async function endpoint(): Promise<TokenEndpoint> {
    const e = await startTokenEndpoint();
    closers.push(() => e.close());
    return e;
  }

  /** An SMTP server taking XOAUTH2 only; idle sessions end soon, so each mail needs a new AUTH. */
  async function smtp(tokens: TokenEndpoint, counters = { refused: 0, accepted: [] as string[] }): Promise<SmtpSink & { counters: typeof counters }> {
    const sink = await startSmtpSink({ users: {}, extra: { authMethods: ['XOAUTH2'], onAuth: xoauth2Check(tokens, MAILBOX, counters), socketTimeout: 1_000 } });
    closers.push(() => sink.close());
    return Object.assign(sink, { counters });
  }

  function oauthConfig(name: string, sinkPort: number, tokens: TokenEndpoint, oauth2: Json = {}, extra: Json = {}): Json {
    return baseConfig(name, {
      mailServer: {
        enabled: true,
        server: `127.0.0.1:${sinkPort}`,
        sender: MAILBOX,
        username: MAILBOX,
        tls: true,
        caFile: ca,
        auth: 'oauth2',
        oauth2: { tokenUrl: tokens.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: SCOPE, grant: 'client_credentials', ...oauth2 },
      },
      relay: { retryMin: '300ms', retryMax: '1s' },
      ...extra,
    });
  }

  async function node(name: string, config: Json): Promise<Node> {
    const n = await startNode(name, config);
    nodes.push(n);
    return n;
  }

  const alert = (n: Node, subject: string) => n.cli(['alert', '--to', 'ops@example.com', '--subject', subject, '--text', 'disk full']);
  const received = (sink: SmtpSink, subject: string) => eventually(() => sink.received.find((m) => m.raw.includes(`Subject: ${subject}`)), 15_000, `delivery of ${subject}`);

  it('client credentials: fetches a token with the scope, sends with XOAUTH2 after STARTTLS, and says so in status', async () => {
    const tokens = await endpoint();
    const sink = await smtp(tokens);
    const n = await node('cc', oauthConfig('cc', sink.port, tokens));
    expect((await alert(n, 'cc one')).code).toBe(0);
    const mail = await received(sink, 'cc one');
    expect(mail).toMatchObject({ from: MAILBOX, secure: true, user: MAILBOX });
    expect(tokens.requests).toEqual([{ grant: 'client_credentials', refreshToken: null, scope: SCOPE, ok: true }]);
    const status = await n.control.status();
    expect(status.mail_server).toMatchObject({ auth: 'oauth2', oauth2_grant: 'client_credentials', oauth2_client_id: CLIENT_ID, oauth2_client_secret: 'set', password: 'unset' });
    expect(status.outbox?.oauth2_token).toMatch(/^valid until \d{4}-.*client_credentials/);
    const cli = await n.cli(['status']);
    expect(cli.stdout).toMatch(/XOAUTH2 as alerts@contoso\.example, OAuth2 client_credentials/);
    expect(JSON.stringify(status) + cli.stdout).not.toMatch(/Pa55/);
  });
});
