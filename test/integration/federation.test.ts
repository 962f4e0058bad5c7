/**
 * Federation with real daemons: a primary and secondaries as separate processes over real gRPC
 * with TLS on loopback, a real SMTP server (STARTTLS + AUTH) to verify the settings against.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSha256, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { formatToken, parseToken } from '../../src/federation/secrets.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import { baseConfig, eventually, sleep, type Json } from '../helpers/daemon.js';
import { joinNode, RECONNECT_WITHIN_MS, startNode, type Node } from '../helpers/fleet.js';
import { REFUSED_PORT, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Fed-Secret-Pa55!';

describe('federation', () => {
  let smtp: SmtpSink;
  let fedPort: number;
  let primary: Node;
  let central1: Node;
  let central2: Node;
  let local: Node;
  const all = () => [primary, central1, central2, local].filter(Boolean);

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    const caDir = await import('../helpers/daemon.js').then((m) => m.tempDir('am-ca-'));
    await writeFile(join(caDir, 'ca.pem'), smtp.caPem);
    primary = await startNode(
      'primary',
      baseConfig('primary', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'primary@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: join(caDir, 'ca.pem') },
        federation: { listen: '127.0.0.1:0' },
      }),
    );
    fedPort = primary.federationPort;
    const secondary = (name: string): Json =>
      baseConfig(name, {
        node: { name, role: 'secondary', stateDir: './state' },
        mailServer: { enabled: true, server: '127.0.0.1:1', sender: `${name}@example.com`, tls: true },
        notifications: { recipients: `${name}-own@example.com` },
      });
    [central1, central2, local] = await Promise.all([startNode('central1', secondary('central1')), startNode('central2', secondary('central2')), startNode('local1', secondary('local1'))]);
    await joinNode(primary, central1, fedPort, true);
    await joinNode(primary, central2, fedPort, true);
    await joinNode(primary, local, fedPort, false);
  });

  afterAll(async () => {
    for (const node of all()) {
      node.control.close();
      await node.daemon.stop();
    }
    await smtp?.close();
  });

  const status = (node: Node) => node.control.status();

  it('centralized secondaries take the primary settings; the local one keeps its own', async () => {
    for (const node of [central1, central2]) {
      const s = await eventually(async () => {
        const st = await status(node);
        return st.mail_server?.sender === 'primary@example.com' ? st : undefined;
      }, 10_000, `${node.name} centralized`);
      expect(s.mode).toBe('centralized');
      expect(s.mail_server).toMatchObject({ server: `127.0.0.1:${smtp.port}`, username: 'mailer', password: 'set', private_ca: true });
      expect(s.settings_source).toBe(`primary 127.0.0.1:${fedPort}, version 1`);
      expect(s.federation?.connection).toBe('connected');
    }
    const l = await status(local);
    expect(l.mode).toBe('local');
    expect(l.mail_server?.sender).toBe('local1@example.com');
  });

  it('the primary lists each node with the version it applied and verified against the mail server', async () => {
    const nodes = await eventually(async () => {
      const reply = await primary.control.listNodes();
      const ok = reply.nodes.filter((n) => n.verified?.version === '1' && n.verified.error === '');
      return ok.length === 2 ? reply : undefined;
    }, 15_000, 'verification reports');
    expect(nodes.nodes.map((n) => [n.name, n.mode, n.connected, n.applied?.version ?? null])).toEqual([
      ['central1', 'centralized', true, '1'],
      ['central2', 'centralized', true, '1'],
      ['local1', 'local', true, null],
    ]);
    const table = await primary.cli(['nodes']);
    expect(table.stdout).toMatch(/central1\s+centralized\s+connected\s+v1 applied\s+v1 works/);
  });

  it('an edit of the primary file reaches every centralized secondary (the benchmark measures how fast)', async () => {
    const start = performance.now();
    await primary.edit((c) => (c.mailServer.sender = 'edited@example.com'));
    const delays = await Promise.all(
      [central1, central2].map(async (node) => {
        await eventually(async () => ((await status(node)).mail_server?.sender === 'edited@example.com' ? true : undefined), 5_000, node.name);
        return performance.now() - start;
      }),
    );
    console.log(`primary file write -> applied on secondaries: ${delays.map((d) => `${d.toFixed(0)} ms`).join(', ')}`);
    expect((await status(local)).mail_server?.sender).toBe('local1@example.com');
    expect((await primary.control.status()).federation?.settings_version).toBe('2');
  });

  it('a wrong password on the primary is applied but reported as failing verification', async () => {
    await primary.edit((c) => (c.mailServer.password = 'Wrong-Pa55'));
    const reply = await eventually(async () => {
      const r = await primary.control.listNodes();
      const failing = r.nodes.filter((n) => n.verified?.version === '3' && n.verified.error !== '');
      return failing.length === 2 ? r : undefined;
    }, 15_000, 'verify_failed reports');
    expect(reply.nodes[0]?.verified?.error).toMatch(/authentication failed: 535/);
    expect(reply.nodes[0]?.applied).toMatchObject({ version: '3', error: '' });
    expect((await primary.cli(['nodes'])).stdout).toMatch(/central1 .* v3 FAILED: authentication failed/);
    await primary.edit((c) => (c.mailServer.password = PASSWORD));
    await eventually(async () => ((await status(central1)).federation?.applied_version === '4' ? true : undefined), 5_000);
  });

  it("a centralized secondary refuses edits of its own mailServer section and keeps the primary's", async () => {
    const from = central1.daemon.logs.length;
    await central1.edit((c) => (c.mailServer.sender = 'mine@example.com'));
    const warned = await central1.daemon.waitForLog((l) => /read-only while this node is centralized/.test(String(l['msg'])), 5_000, from);
    expect(String(warned['msg'])).toContain(`primary 127.0.0.1:${fedPort}`);
    const s = await status(central1);
    expect(s.mail_server?.sender).toBe('edited@example.com');
    expect(s.warnings.join('\n')).toMatch(/mailServer section of .* is read-only .* primary 127\.0\.0\.1/);
    expect((await central1.cli(['status'])).stdout).toMatch(/warning: the mailServer section/);
    // Its other sections still apply.
    await central1.edit((c) => (c.log = { level: 'debug' }));
    await eventually(async () => ((await status(central1)).config?.version !== s.config?.version ? true : undefined), 3_000);
  });

  it('keeps its settings while the primary is down and across its own restart, then catches up', { timeout: 2 * RECONNECT_WITHIN_MS }, async () => {
    await primary.daemon.stop('SIGKILL');
    await eventually(async () => ((await status(central1)).federation?.connection.startsWith('disconnected') ? true : undefined), 10_000, 'disconnected');
    expect((await status(central1)).mail_server?.sender).toBe('edited@example.com');
    await central1.restart();
    const afterRestart = await status(central1);
    expect(afterRestart.mode).toBe('centralized');
    expect(afterRestart.mail_server).toMatchObject({ sender: 'edited@example.com', password: 'set', enabled: true });
    expect(afterRestart.federation?.applied_version).toBe('4');
    // A change made while the primary was down is applied once it is back.
    const text = JSON.parse(await readFile(primary.configPath, 'utf8'));
    text.mailServer.sender = 'while-down@example.com';
    primary.config = text;
    await writeFile(primary.configPath, JSON.stringify(text));
    await primary.restart();
    for (const node of [central1, central2]) {
      await eventually(async () => ((await status(node)).mail_server?.sender === 'while-down@example.com' ? true : undefined), RECONNECT_WITHIN_MS, `${node.name} caught up`);
      expect((await status(node)).federation?.applied_version).toBe('5');
    }
    expect((await primary.control.status()).federation?.settings_version).toBe('5');
  });

  it("a centralized secondary sends through the primary's mail server, to the primary's recipients", async () => {
    const before = smtp.received.length;
    const alert = await central1.cli(['alert', '--to', 'dba@example.com', '--subject', 'from a secondary', '--text', 'x']);
    expect(alert.code, alert.stderr).toBe(0);
    const notify = await central1.cli(['notify', 'backup-external']);
    expect(notify.code, notify.stderr).toBe(0);
    const mails = await eventually(() => (smtp.received.length >= before + 2 ? smtp.received.slice(before) : undefined), 10_000, 'mail via the primary settings');
    const byTo = Object.fromEntries(mails.map((m) => [m.to.join(','), m]));
    expect(byTo['dba@example.com']).toMatchObject({ from: 'while-down@example.com', secure: true, user: 'mailer' });
    // The notification went to the primary's recipients, not to the secondary's own.
    expect(byTo['ops@example.com']?.raw).toMatch(/Subject: \[central1\] External backup completed/);
    expect(Object.keys(byTo)).not.toContain('central1-own@example.com');
  });

  it('a removed node is disconnected and refused', async () => {
    const removed = await primary.cli(['nodes', 'remove', 'central2']);
    expect(removed.code).toBe(0);
    const s = await eventually(async () => {
      const st = await status(central2);
      return st.federation?.connection.includes('AM_') ? st : undefined;
    }, 10_000, 'central2 refused');
    expect(s.federation?.connection).toMatch(/AM_NODE_REVOKED|AM_UNAUTHENTICATED/);
    expect((await primary.control.listNodes()).nodes.map((n) => n.name)).toEqual(['central1', 'local1']);
    // Its later calls stay refused (its next reconnect is answered UNAUTHENTICATED), and it still has its last settings.
    await eventually(async () => (/AM_UNAUTHENTICATED/.test((await status(central2)).federation?.connection ?? '') ? true : undefined), 10_000, 'reconnect refused');
    expect((await status(central2)).mail_server?.sender).toBe('while-down@example.com');
    const unknown = await primary.cli(['nodes', 'remove', 'central2']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('[AM_NODE_UNKNOWN]');
  });

  describe('refused joins', () => {
    let stranger: Node;
    beforeAll(async () => {
      stranger = await startNode('stranger', baseConfig('stranger', { node: { name: 'stranger', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    });
    afterAll(async () => {
      stranger.control.close();
      await stranger.daemon.stop();
    });

    async function tryJoin(token: string, primaryAddress = `127.0.0.1:${fedPort}`) {
      return stranger.cli(['join', '--primary', primaryAddress, '--token', token, '--centralize']);
    }
    async function freshToken(ttl?: string): Promise<string> {
      const r = await primary.cli(['token', 'create', ...(ttl ? ['--ttl', ttl] : [])]);
      expect(r.code).toBe(0);
      return r.stdout.trim();
    }
    async function expectNothingReceived() {
      const state = JSON.parse(await readFile(join(stranger.dir, 'state', 'state.json'), 'utf8'));
      expect(state.membership).toBeNull();
      expect(state.centralized).toBeNull();
      expect(JSON.stringify(state)).not.toContain(PASSWORD);
      expect((await status(stranger)).mode).toBe('standalone');
    }

    it('refuses a malformed token', async () => {
      const r = await tryJoin('not-a-token');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[AM_TOKEN_INVALID]');
      await expectNothingReceived();
    });

    it('refuses a token with a wrong secret', async () => {
      const good = parseToken(await freshToken());
      const r = await tryJoin(formatToken({ ...good, secret: 'A'.repeat(32) }));
      expect(r.stderr).toContain('[AM_TOKEN_INVALID]');
      await expectNothingReceived();
    });

    it('refuses an expired token', async () => {
      const token = await freshToken('1s');
      await sleep(1500);
      const r = await tryJoin(token);
      expect(r.stderr).toMatch(/the join token expired at .* \[AM_TOKEN_EXPIRED\]/);
      await expectNothingReceived();
    });

    it('refuses a token that was already used', async () => {
      const token = await freshToken();
      const first = await startNode('first', baseConfig('first', { node: { name: 'first', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
      try {
        expect((await first.cli(['join', '--primary', `127.0.0.1:${fedPort}`, '--token', token])).code).toBe(0);
        const r = await tryJoin(token);
        expect(r.stderr).toMatch(/already used \(by first\).*\[AM_TOKEN_USED\]/);
        await expectNothingReceived();
      } finally {
        first.control.close();
        await first.daemon.stop();
      }
    });

    it('refuses a primary whose certificate does not match the token, sending it nothing', async () => {
      const good = parseToken(await freshToken());
      const r = await tryJoin(formatToken({ ...good, certSha256: 'ab'.repeat(32) }));
      expect(r.stderr).toMatch(/presented certificate sha256 [0-9a-f]{64}, not the one in the token.*nothing was sent.*\[AM_PRIMARY_CERT_MISMATCH\]/);
      await expectNothingReceived();
      // The token's secret never reached the primary: the token is still usable.
      const ok = await tryJoin(formatToken(good));
      expect(ok.code).toBe(0);
      await stranger.cli(['local']);
    });

    it('refuses a join on a node that is a primary, and one without a reachable primary', async () => {
      const r = await primary.cli(['join', '--primary', `127.0.0.1:${fedPort}`, '--token', await freshToken()]);
      expect(r.stderr).toContain('[AM_NOT_SECONDARY]');
      const other = await startNode('lonely', baseConfig('lonely', { node: { name: 'lonely', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
      try {
        const down = await other.cli(['join', '--primary', `127.0.0.1:${REFUSED_PORT}`, '--token', await freshToken()]);
        expect(down.stderr).toMatch(/cannot reach the primary at 127\.0\.0\.1:\d+: connection refused \[AM_PRIMARY_UNREACHABLE\]\n$/);
      } finally {
        other.control.close();
        await other.daemon.stop();
      }
    });
  });

  describe('the federation service without credentials', () => {
    let client: FederationClient;
    let certPem: string;
    beforeAll(async () => {
      certPem = await readFile(join(primary.dir, 'state', 'federation-cert.pem'), 'utf8');
      client = new federationProto.Federation(`127.0.0.1:${fedPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), PINNED_CHANNEL_OPTIONS) as unknown as FederationClient;
    });
    afterAll(() => client.close());

    const watch = (metadata: grpc.Metadata) =>
      new Promise<{ data: number; error: grpc.ServiceError | null }>((resolve) => {
        let data = 0;
        const stream = client.Watch({ mode: 'centralized', last_applied_version: '0' }, metadata);
        stream.on('data', () => data++);
        stream.on('error', (error: grpc.ServiceError) => resolve({ data, error }));
        stream.on('end', () => resolve({ data, error: null }));
      });

    it('gives nothing to a call without a credential, or with a forged one', async () => {
      for (const header of [null, 'Bearer central1.forged-secret', 'Bearer nobody.x', 'Basic abc']) {
        const metadata = new grpc.Metadata();
        if (header) metadata.set('authorization', header);
        const result = await watch(metadata);
        expect(result.data).toBe(0);
        expect(result.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      }
      const report = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.Report({ version: '99', stage: 'applied', error: '' }, (err) => resolve(err)),
      );
      expect(report?.code).toBe(grpc.status.UNAUTHENTICATED);
    });

    it('does not speak without TLS', async () => {
      const plain = new federationProto.Federation(`127.0.0.1:${fedPort}`, grpc.credentials.createInsecure()) as unknown as FederationClient;
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        plain.Join({ token_id: 'x', token_secret: 'y', node_name: 'z', mode: 'local' }, { deadline: Date.now() + 3000 }, (e) => resolve(e)),
      );
      plain.close();
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    });
  });

  it('never logs the SMTP password or a join token', async () => {
    const tokens = [...(await primary.cli(['token', 'create'])).stdout.matchAll(/amj1\.\S+/g)].map((m) => m[0]);
    for (const node of all()) {
      const text = node.daemon.rawLines.join('\n') + node.daemon.stderr;
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('Wrong-Pa55');
      for (const token of tokens) expect(text).not.toContain(parseToken(token).secret);
      expect(text).not.toMatch(/amj1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{32}/);
    }
  });
});
