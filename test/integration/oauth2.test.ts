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
  async function smtp(tokens: TokenEndpoint, counters = { refused: 0, accepted: [] as string[] }): Promise<SmtpSink & { counters: typeof counters; idle(): Promise<void> }> {
    let open = 0;
    const sink = await startSmtpSink({
      users: {},
      extra: {
        authMethods: ['XOAUTH2'],
        onAuth: xoauth2Check(tokens, MAILBOX, counters),
        socketTimeout: 1_000,
        onConnect: (_session, callback) => {
          open++;
          callback();
        },
        onClose: () => {
          open--;
        },
      },
    });
    closers.push(() => sink.close());
    // No session left open: the next mail opens a connection and authenticates again.
    const idle = () => eventually(() => (open === 0 ? true : undefined), 10_000, 'idle SMTP sessions to end').then(() => undefined);
    return Object.assign(sink, { counters, idle });
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

  // When a token expires and is replaced: test/unit/token-source.test.ts, on a clock the test turns.

  it('a token the server refuses (535) is renewed once and the mail goes out', async () => {
    const tokens = await endpoint();
    const sink = await smtp(tokens);
    const n = await node('revoked', oauthConfig('revoked', sink.port, tokens));
    expect((await alert(n, 'before revocation')).code).toBe(0);
    await received(sink, 'before revocation');
    // Revoked at the provider while cached here: the server answers 535 to the cached token.
    tokens.revokeAll();
    await sink.idle();
    expect((await alert(n, 'after revocation')).code).toBe(0);
    await received(sink, 'after revocation');
    expect(sink.counters.refused).toBe(1);
    expect(sink.counters.accepted).toEqual(['at-Pa55-1', 'at-Pa55-2']);
    expect((await n.control.status()).outbox?.deferred).toBe(0);
  });

  it('a wrong client secret: the test email stops at the token step with the provider\'s error, status names it, mail waits', async () => {
    const tokens = await endpoint();
    const sink = await smtp(tokens);
    const n = await node('badsecret', oauthConfig('badsecret', sink.port, tokens, { clientSecret: 'wrong-Pa55-secret' }));
    const test = await n.cli(['test-email']);
    expect(test.code).not.toBe(0);
    expect(test.stdout).toMatch(/FAIL token\s+the OAuth2 token endpoint https:\/\/127\.0\.0\.1:\d+\/tenant-1\/oauth2\/v2\.0\/token refused the client_credentials grant \(HTTP 401\): invalid_client: AADSTS7000215: Invalid client secret provided/);
    expect(test.stdout).toMatch(/fix\s+the provider refused the request: check mailServer\.oauth2 \(the client secret's value, not its id/);
    expect(test.stdout).not.toMatch(/Trace ID|Pa55/);
    expect((await alert(n, 'waits for a secret')).code).toBe(0);
    const status = await eventually(async () => {
      const s = await n.control.status();
      return s.outbox?.last_error ? s : undefined;
    }, 10_000, 'a delivery error in status');
    expect(status.outbox?.last_error).toMatch(/^no OAuth2 access token: the OAuth2 token endpoint .* refused the client_credentials grant \(HTTP 401\): invalid_client: AADSTS7000215/);
    expect(status.outbox?.oauth2_token).toMatch(/^no token: .*invalid_client/);
    expect(status.outbox?.dead).toBe(0);
    expect(sink.received).toEqual([]);
    // The fix is an edit: the queued mail goes out with the right secret.
    await n.edit((c) => {
      c.mailServer.oauth2.clientSecret = CLIENT_SECRET;
    });
    await received(sink, 'waits for a secret');
    expect(JSON.stringify(status)).not.toMatch(/Pa55/);
  });

  it('a token endpoint that cannot be reached defers mail, with a clear status, and it goes out once the endpoint is back', async () => {
    const tokens = await endpoint();
    tokens.down = true;
    const sink = await smtp(tokens);
    const n = await node('down', oauthConfig('down', sink.port, tokens));
    expect((await alert(n, 'endpoint down')).code).toBe(0);
    const status = await eventually(async () => {
      const s = await n.control.status();
      return s.outbox?.deferred === 1 && s.outbox.last_error ? s : undefined;
    }, 10_000, 'a deferred message');
    expect(status.outbox?.last_error).toMatch(/^no OAuth2 access token: cannot reach the OAuth2 token endpoint https:\/\/127\.0\.0\.1:\d+\/tenant-1\/oauth2\/v2\.0\/token: /);
    tokens.down = false;
    await received(sink, 'endpoint down');
    await eventually(async () => ((await n.control.status()).outbox?.deferred === 0 ? true : undefined), 5_000, 'no deferred mail');
  });

  it('a centralized secondary sends with the OAuth2 settings the primary pushed, and keeps sending through a primary outage longer than a token\'s life', async () => {
    const tokens = await endpoint();
    tokens.expiresInSeconds = 2;
    const sink = await smtp(tokens);
    const primary = await node('oauth-primary', oauthConfig('oauth-primary', sink.port, tokens, {}, { federation: { listen: '127.0.0.1:0' } }));
    const secondary = await node('oauth-secondary', baseConfig('oauth-secondary', { node: { name: 'oauth-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    await joinNode(primary, secondary, primary.federationPort, true);
    const applied = await eventually(async () => {
      const s = await secondary.control.status();
      return s.mail_server?.auth === 'oauth2' ? s : undefined;
    }, 10_000, 'the OAuth2 settings on the secondary');
    expect(applied.mail_server).toMatchObject({ oauth2_grant: 'client_credentials', oauth2_client_secret: 'set', username: MAILBOX });
    // The secondary verified the settings with a token of its own.
    const verified = await eventually(async () => {
      const { nodes } = await primary.control.listNodes();
      const record = nodes.find((n) => n.name === 'oauth-secondary');
      return record?.verified?.version && record.verified.version !== '0' ? record : undefined;
    }, 15_000, 'the secondary\'s verification');
    expect(verified.verified?.error).toBe('');

    expect((await alert(secondary, 'from the secondary')).code).toBe(0);
    await received(sink, 'from the secondary');

    // The primary goes away for longer than a token lives: each node asks the token endpoint itself.
    await primary.daemon.stop('SIGKILL');
    const issuedBefore = tokens.issued.length;
    const last = tokens.issued[issuedBefore - 1]!;
    await eventually(() => (Date.now() >= last.expiresAt ? true : undefined), 5_000, 'every token issued so far to expire');
    await sink.idle();
    expect((await alert(secondary, 'primary down')).code).toBe(0);
    await received(sink, 'primary down');
    expect(tokens.issued.length).toBeGreaterThan(issuedBefore);
    expect(sink.counters.refused).toBe(0);
    expect((await secondary.control.status()).federation?.connection).not.toMatch(/^connected/);
  });

  it('the refresh_token grant is not federated: a centralized secondary refuses it with the reason, and keeps its last settings', async () => {
    const tokens = await endpoint();
    const sink = await smtp(tokens);
    const primary = await node('rt-primary', oauthConfig('rt-primary', sink.port, tokens, { grant: 'refresh_token', refreshToken: INITIAL_REFRESH_TOKEN }, { federation: { listen: '127.0.0.1:0' } }));
    const secondary = await node('rt-secondary', baseConfig('rt-secondary', { node: { name: 'rt-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    await joinNode(primary, secondary, primary.federationPort, true);
    const refused = await eventually(async () => {
      const { nodes } = await primary.control.listNodes();
      const record = nodes.find((n) => n.name === 'rt-secondary');
      return record?.applied?.error ? record : undefined;
    }, 10_000, 'the secondary\'s refusal');
    expect(refused.applied?.error).toMatch(/refresh_token grant, whose token the provider rotates on use and which only one node can hold: use grant client_credentials/);
    expect(JSON.stringify(refused)).not.toMatch(/Pa55/);
    expect((await secondary.control.status()).mail_server?.auth).toBe('password');
  });

  it('refresh token: the rotated token is stored (0600) before use and survives kill -9 between rotation and use', async () => {
    const tokens = await endpoint();
    let hold = true;
    const counters = { refused: 0, accepted: [] as string[] };
    const check = xoauth2Check(tokens, MAILBOX, counters);
    let authStarted: () => void = () => undefined;
    const authSeen = new Promise<void>((resolve) => (authStarted = resolve));
    // The first AUTH never gets an answer: the daemon has the rotated token and is using it when it dies.
    const sink = await startSmtpSink({
      users: {},
      extra: {
        authMethods: ['XOAUTH2'],
        onAuth: (auth, session, callback) => {
          if (hold) {
            authStarted();
            return;
          }
          check(auth, session, callback);
        },
      },
    });
    closers.push(() => sink.close());
    const config = oauthConfig('rotate', sink.port, tokens, { grant: 'refresh_token', clientSecret: CLIENT_SECRET, refreshToken: INITIAL_REFRESH_TOKEN, scope: 'https://mail.google.com/' });
    const n = await node('rotate', config);
    expect((await alert(n, 'rotated')).code).toBe(0);
    await authSeen;
    expect(tokens.requests).toEqual([{ grant: 'refresh_token', refreshToken: INITIAL_REFRESH_TOKEN, scope: 'https://mail.google.com/', ok: true }]);
    const statePath = join(n.dir, 'state', 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    expect(state.oauth2Refresh.refreshToken).toBe('rt-Pa55-1');
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
    await n.daemon.stop('SIGKILL');

    // The configured token is spent (the provider rotated it): only the stored successor works.
    expect(tokens.liveRefreshTokens).toEqual(new Set(['rt-Pa55-1']));
    hold = false;
    n.daemon = new DaemonProcess(n.configPath);
    await n.daemon.ready();
    await received(sink, 'rotated');
    expect(tokens.requests.slice(1)).toEqual([{ grant: 'refresh_token', refreshToken: 'rt-Pa55-1', scope: 'https://mail.google.com/', ok: true }]);
    expect(JSON.parse(await readFile(statePath, 'utf8')).oauth2Refresh.refreshToken).toBe('rt-Pa55-2');
    expect(tokens.requests.every((r) => r.ok)).toBe(true);    // The audit trail says the daemon itself rotated it, and never holds the token.
    const trailPath = join(n.dir, 'state', 'audit', 'trail.jsonl');
    const rotations = await eventually(async () => {
      const lines = (await readFile(trailPath, 'utf8')).split('\n').filter(Boolean);
      const found = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e['kind'] === 'oauth2');
      return found.length > 0 ? found : undefined;
    });
    expect(rotations.at(-1)).toMatchObject({ actor: 'the daemon itself', door: 'daemon', summary: expect.stringMatching(/^OAuth2 refresh token rotated by .+ and stored$/) });
    expect(await readFile(trailPath, 'utf8')).not.toContain('rt-Pa55');
  });
});
