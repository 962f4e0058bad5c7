/**
 * The federation protocol seen from the wire: a real primary daemon, and a hand-driven client
 * that joins, NACKs a version and reconnects, to show the primary holds a refused version
 * instead of resending it; plus mode changes of a real secondary.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSha256, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { parseToken } from '../../src/federation/secrets.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import type { SessionRequest } from '../../src/generated/appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate__Output } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { baseConfig, eventually, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';

describe('federation protocol', () => {
  let primary: Node;
  let fedPort: number;
  let client: FederationClient;
  let credential: string;

  beforeAll(async () => {
    primary = await startNode('proto-primary', baseConfig('proto-primary', { federation: { listen: '127.0.0.1:0' } }));
    fedPort = primary.federationPort;
    const certPem = await readFile(join(primary.dir, 'state', 'federation-cert.pem'), 'utf8');
    client = new federationProto.Federation(`127.0.0.1:${fedPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), PINNED_CHANNEL_OPTIONS) as unknown as FederationClient;
    const token = parseToken((await primary.cli(['token', 'create'])).stdout);
    const reply = await new Promise<{ credential: string }>((resolve, reject) =>
      client.Join({ token_id: token.id, token_secret: token.secret, node_name: 'hand-driven', mode: 'centralized' }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    credential = reply.credential;
  });

  afterAll(async () => {
    client?.close();
    primary?.control.close();
    await primary?.daemon.stop();
  });

  const auth = () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    return metadata;
  };

  /** The primary's "secondary connected" line for the hand-driven node: it says what it sent (`sent`). */
  const connected = (from: number): Promise<Json> =>
    primary.daemon.waitForLog((l) => l['msg'] === 'secondary connected' && l['node'] === 'hand-driven', 5_000, from);

  /**
   * Opens a Watch and collects what the primary sends on connect: it logs its decision, and when
   * that was to send version N, the stream is read until N arrives.
   */
  async function watchFor(lastApplied: number): Promise<SettingsUpdate__Output[]> {
    const updates: SettingsUpdate__Output[] = [];
    const from = primary.daemon.logs.length;
    const stream = client.Watch({ mode: 'centralized', last_applied_version: String(lastApplied) }, auth());
    stream.on('data', (u: SettingsUpdate__Output) => updates.push(u));
    stream.on('error', () => undefined);
    const sent = String((await connected(from))['sent']);
    if (/^v\d+$/.test(sent)) await eventually(() => (updates.some((u) => `v${u.version}` === sent) ? true : undefined), 5_000, sent);
    stream.cancel();
    return updates;
  }

  const report = (version: number, stage: string, error = '') =>
    new Promise<void>((resolve, reject) => client.Report({ version: String(version), stage, error }, auth(), (err) => (err ? reject(err) : resolve())));

  it('sends the current settings at once, and nothing when the node already applied them', async () => {
    const first = await watchFor(0);
    expect(first.map((u) => u.version)).toEqual(['1']);
    expect(first[0]?.mail_server?.password).toBe('S3cret-Pa55word!');
    expect(await watchFor(1)).toEqual([]);
  });

  it('holds a refused version instead of resending it, and sends the next one', async () => {
    await report(1, 'rejected', 'the sender domain is not allowed here');
    const nodes = await primary.control.listNodes();
    expect(nodes.nodes[0]?.applied).toMatchObject({ version: '1', error: 'the sender domain is not allowed here' });
    expect((await primary.cli(['nodes'])).stdout).toMatch(/hand-driven .* v1 FAILED: the sender domain is not allowed here/);
    // Reconnects that resume from before the refused version do not get it again.
    for (let i = 0; i < 3; i++) expect(await watchFor(0)).toEqual([]);
    // A change of the primary's settings is a new version, and that one is sent.
    const from = primary.daemon.logs.length;
    const stream = client.Watch({ mode: 'centralized', last_applied_version: '0' }, auth());
    const updates: SettingsUpdate__Output[] = [];
    stream.on('data', (u: SettingsUpdate__Output) => updates.push(u));
    stream.on('error', () => undefined);
    expect((await connected(from))['sent']).toBe('none: v1 was refused');
    await primary.edit((c) => (c.mailServer.sender = 'next@example.com'));
    await eventually(() => (updates.length > 0 ? true : undefined), 5_000, 'version 2');
    stream.cancel();
    expect(updates.map((u) => [u.version, u.mail_server?.sender])).toEqual([['2', 'next@example.com']]);
  });

  it('the version only goes up, across restarts of the primary', async () => {
    await primary.restart();
    expect((await primary.control.status()).federation?.settings_version).toBe('2');
    await primary.edit((c) => (c.notifications.recipients = 'ops@example.com, new@example.com'));
    await eventually(async () => ((await primary.control.status()).federation?.settings_version === '3' ? true : undefined), 3_000);
    const updates = await watchFor(2);
    expect(updates.map((u) => [u.version, u.recipients])).toEqual([['3', ['ops@example.com', 'new@example.com']]]);
  });

  it('names that are Object.prototype keys are names like any other', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${name}.x`);
      const watched = await new Promise<grpc.ServiceError | null>((resolve) => {
        const stream = client.Watch({ mode: 'centralized', last_applied_version: '0' }, metadata);
        stream.on('data', () => undefined);
        stream.on('error', (e: grpc.ServiceError) => resolve(e));
        stream.on('end', () => resolve(null));
      });
      expect([name, watched?.code]).toEqual([name, grpc.status.UNAUTHENTICATED]);
      const reported = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.Report({ version: '1', stage: 'applied', error: '' }, metadata, (e) => resolve(e)),
      );
      expect([name, reported?.code, reported?.details]).toEqual([name, grpc.status.UNAUTHENTICATED, expect.stringContaining('not a member')]);
    }
    const token = parseToken((await primary.cli(['token', 'create'])).stdout);
    const joined = await new Promise<{ credential: string }>((resolve, reject) =>
      client.Join({ token_id: token.id, token_secret: token.secret, node_name: 'constructor', mode: 'local' }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    expect(joined.credential).toMatch(/^constructor\./);
    expect((await primary.control.listNodes()).nodes.map((n) => n.name)).toContain('constructor');
  });

  it('refuses oversized requests with a clear status, and stays up', async () => {
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.Report({ version: '1', stage: 'rejected', error: 'x'.repeat(200_000) }, auth(), (e) => resolve(e)),
    );
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await primary.control.status()).role).toBe('primary');
  });

  it('a Session opened before its node was removed gets nothing when it sends its watch; one that never sends it is ended', async () => {
    const ended = (session: grpc.ClientDuplexStream<SessionRequest, SettingsUpdate__Output>) => new Promise<grpc.StatusObject>((resolve) => session.on('status', resolve));
    // Never opened: ended by the primary once SESSION_OPEN_TIMEOUT_MS (10 s) passed. One the
    // node cancels before its watch is not refused later (no error when its time comes).
    const logsFrom = primary.daemon.logs.length;
    const silent = client.Session(auth());
    silent.on('data', () => undefined).on('error', () => undefined);
    const silentEnd = ended(silent);
    const cancelled = client.Session(auth());
    cancelled.on('error', () => undefined);
    cancelled.cancel();

    const token = parseToken((await primary.cli(['token', 'create'])).stdout);
    const joined = await new Promise<{ credential: string }>((resolve, reject) =>
      client.Join({ token_id: token.id, token_secret: token.secret, node_name: 'removed-later', mode: 'centralized' }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${joined.credential}`);
    const held = client.Session(metadata);
    const received: SettingsUpdate__Output[] = [];
    held.on('data', (u: SettingsUpdate__Output) => received.push(u)).on('error', () => undefined);
    const heldEnd = ended(held);
    // The call is admitted (its credential was good then) before the node is removed.
    await eventually(async () => ((await primary.control.listNodes()).nodes.some((n) => n.name === 'removed-later') ? true : undefined), 5_000, 'joined');
    const removed = await primary.cli(['nodes', 'remove', 'removed-later']);
    expect(removed.code, removed.stderr).toBe(0);
    held.write({ watch: { mode: 'centralized', last_applied_version: '0', refused_version: '1', refused_error: 'forged' } });
    expect((await heldEnd).code).toBe(grpc.status.UNAUTHENTICATED);
    expect(received).toEqual([]);
    expect((await primary.control.listNodes()).nodes.map((n) => n.name)).not.toContain('removed-later');

    expect(await silentEnd).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'a Session must send its watch within 10 s' });
    expect(primary.daemon.logs.slice(logsFrom).filter((l) => l['level'] === 'error')).toEqual([]);
    expect((await primary.control.status()).role).toBe('primary');
  }, 30_000);

  describe('mode changes of a real secondary', () => {
    let secondary: Node;
    beforeAll(async () => {
      secondary = await startNode('modal', baseConfig('modal', { node: { name: 'modal', role: 'secondary', stateDir: './state' }, mailServer: { enabled: true, server: 'mail.local.example.com', sender: 'own@example.com', tls: true } }));
    });
    afterAll(async () => {
      secondary.control.close();
      await secondary.daemon.stop();
    });

    it('joins local, centralizes later, goes back to local, leaves and joins again', async () => {
      await joinNode(primary, secondary, fedPort, false);
      expect((await secondary.control.status()).mail_server?.sender).toBe('own@example.com');
      expect((await secondary.cli(['centralize'])).code).toBe(0);
      await eventually(async () => ((await secondary.control.status()).mail_server?.sender === 'next@example.com' ? true : undefined), 5_000, 'centralized');
      expect((await secondary.cli(['local'])).stdout).toContain('mode local');
      const local = await secondary.control.status();
      expect(local).toMatchObject({ mode: 'local', mail_server: expect.objectContaining({ sender: 'own@example.com' }) });
      // Back to local, the primary's settings (and its password) are no longer kept.
      const state = JSON.parse(await readFile(join(secondary.dir, 'state', 'state.json'), 'utf8'));
      expect(state.centralized).toBeNull();
      await eventually(async () => {
        const n = (await primary.control.listNodes()).nodes.find((x) => x.name === 'modal');
        return n?.mode === 'local' ? true : undefined;
      }, 5_000, 'primary sees mode local');
      expect((await secondary.cli(['leave'])).code).toBe(0);
      expect((await secondary.control.status()).mode).toBe('standalone');
      expect((await primary.cli(['nodes', 'remove', 'modal'])).code).toBe(0);
      await joinNode(primary, secondary, fedPort, true);
      await eventually(async () => ((await secondary.control.status()).mode === 'centralized' ? true : undefined), 5_000);
    });
  });
});
