/**
 * Bad input in bulk against a running daemon: generated config files through the live reload,
 * generated and oversized requests at the control service, malformed and out-of-order calls at
 * the federation service. No crash, a clear status code for each, nothing applied in part,
 * memory bounded.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { certificateSha256, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { parseToken } from '../../src/federation/secrets.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import type { SessionRequest } from '../../src/generated/appliance_mail/federation/v1/SessionRequest.js';
import { configArbWithout } from '../helpers/config-arb.js';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { REFUSED_PORT } from '../helpers/smtp.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 40);
const CLEAR_CODES = new Set([grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED, grpc.status.FAILED_PRECONDITION, grpc.status.NOT_FOUND, grpc.status.PERMISSION_DENIED, grpc.status.UNAUTHENTICATED]);

describe('fuzzing a running daemon', () => {
  let node: Node;
  let fedPort: number;
  let base: Record<string, any>;

  beforeAll(async () => {
    base = baseConfig('fuzzed', { federation: { listen: '127.0.0.1:0' }, mailServer: { enabled: true, server: `127.0.0.1:${REFUSED_PORT}`, sender: 'fuzz@example.com', tls: false }, relay: { maxMessageBytes: 100_000, retryMin: '1h', retryMax: '1h' } }) as Record<string, any>;
    node = await startNode('fuzzed', base);
    fedPort = node.federationPort;
  });
  afterAll(async () => {
    node?.control.close();
    await node?.daemon.stop();
  });

  const rssKb = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${node.daemon.pid}/status`, 'utf8'))?.[1]);

  it(`live reload: ${RUNS} generated files, each applied whole or refused whole`, async () => {
    // Restart-only fields keep the daemon's values: a change there is refused for another reason.
    const arb = configArbWithout(['node.role', 'federation.listen', 'control.socketMode'], base);
    let lastGood = await node.control.status();
    let applied = 0;
    let refused = 0;
    const samples = fc.sample(arb, { numRuns: RUNS, seed: 42 });
    for (const config of samples) {
      const text = JSON.stringify(config);
      let valid: boolean;
      try {
        parseConfig(text, node.configPath);
        valid = true;
      } catch {
        valid = false;
      }
      const version = createHash('sha256').update(text).digest('hex').slice(0, 12);
      const before = await node.control.status();
      await writeFile(node.configPath, text);
      const after = await eventually(async () => {
        const s = await node.control.status();
        if (valid) return s.config?.version === version ? s : undefined;
        return s.config?.error !== '' && s.config?.error_at !== before.config?.error_at ? s : undefined;
      }, 5_000, `reload of ${text.slice(0, 200)}`);
      if (valid) {
        applied++;
        lastGood = after;
      } else {
        refused++;
        // Nothing of a refused file is in force.
        expect(after.config?.version).toBe(lastGood.config?.version);
        expect(after.mail_server).toEqual(lastGood.mail_server);
        expect(after.node_name).toBe(lastGood.node_name);
      }
    }
    console.log(`live reload fuzz: ${samples.length} files, ${applied} applied whole, ${refused} refused whole, daemon alive`);
    expect(node.daemon.running).toBe(true);
    await writeFile(node.configPath, JSON.stringify(base));
    await eventually(async () => ((await node.control.status()).config?.error === '' ? true : undefined), 5_000);
  }, 120_000);

  it('control service: generated submissions get an id or a clear error; oversized ones are refused', async () => {
    const rssBefore = await rssKb();
    const text = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('a\r\nBcc: x@y.com', '\0', ''));
    const requests = fc.sample(
      fc.record({
        to: fc.array(fc.oneof(fc.emailAddress(), text), { maxLength: 5 }),
        subject: text,
        text: fc.oneof(text, fc.constant('x'.repeat(200_000))),
        html: text,
        kind: fc.oneof(fc.constantFrom('alert', 'digest', 'appliance', 'test'), text),
        idempotency_key: text,
      }),
      { numRuns: RUNS * 10, seed: 7 },
    );
    const codes = new Map<string, number>();
    for (const request of requests) {
      try {
        await node.control.submit(request);
        codes.set('OK', (codes.get('OK') ?? 0) + 1);
      } catch (err) {
        const code = (err as { code: string }).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(['AM_MESSAGE_INVALID', 'AM_MESSAGE_TOO_LARGE']).toContain(code);
      }
    }
    // Larger than the socket's gRPC limit (relay.maxMessageBytes + 1 MiB): refused unread, daemon unharmed.
    const huge = await node.control.submit({ to: ['a@example.com'], subject: 's', text: 'x'.repeat(65 * 1024 * 1024), html: '', kind: 'alert', idempotency_key: '' }).catch((e: Error) => e);
    expect(String(huge)).toMatch(/larger than max|RESOURCE_EXHAUSTED|exceeds/i);
    const rssAfter = await rssKb();
    console.log(`control fuzz: ${requests.length} requests ${JSON.stringify(Object.fromEntries(codes))}; RSS ${Math.round(rssBefore / 1024)} -> ${Math.round(rssAfter / 1024)} MB`);
    expect((await node.control.status()).role).toBe('primary');
    expect(rssAfter - rssBefore).toBeLessThan(300 * 1024);
  }, 120_000);

  it('federation service: malformed, out-of-order and oversized calls get clear status codes', async () => {
    const certPem = await readFile(join(node.dir, 'state', 'federation-cert.pem'), 'utf8');
    const client = new federationProto.Federation(`127.0.0.1:${fedPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), { ...PINNED_CHANNEL_OPTIONS, 'grpc.max_send_message_length': -1 }) as unknown as FederationClient;
    const unaryCall = <Req>(method: 'Join' | 'Report', request: Req, metadata = new grpc.Metadata()) =>
      new Promise<grpc.status>((resolve) => (client[method] as any)(request, metadata, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null) => resolve(err ? err.code : grpc.status.OK)));
    // Garbage joins.
    const joins = fc.sample(fc.record({ token_id: fc.string(), token_secret: fc.string(), node_name: fc.string(), mode: fc.string() }), { numRuns: RUNS * 5, seed: 3 });
    for (const request of joins) expect(CLEAR_CODES).toContain(await unaryCall('Join', request));
    // A real member, then out-of-order reports: before any Watch, for versions never sent, unknown stages.
    const token = parseToken((await node.cli(['token', 'create'])).stdout);
    const reply = await new Promise<{ credential: string }>((resolve, reject) =>
      client.Join({ token_id: token.id, token_secret: token.secret, node_name: 'fuzzer', mode: 'centralized' }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    const auth = new grpc.Metadata();
    auth.set('authorization', `Bearer ${reply.credential}`);
    const reports = fc.sample(fc.record({ version: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), fc.constantFrom('0', '1', '2')), stage: fc.oneof(fc.constantFrom('applied', 'rejected', 'verified', 'verify_failed'), fc.string()), error: fc.string({ maxLength: 100 }) }), { numRuns: RUNS * 5, seed: 5 });
    const outcomes = new Map<number, number>();
    // The same reports on a Session: refused alike. A report is not answered there, so a message
    // out of place follows it: the session ends on the report when it was refused, else on that.
    const OUT_OF_PLACE = 'after its first message, a Session carries reports only';
    const sessionEnd = (messages: SessionRequest[], metadata = auth) =>
      new Promise<grpc.StatusObject>((resolve) => {
        const session = client.Session(metadata, { deadline: Date.now() + 5000 });
        session.on('data', () => undefined).on('error', () => undefined).on('status', resolve);
        for (const message of messages) session.write(message);
      });
    const watch = { mode: 'centralized', last_applied_version: '0' };
    for (const request of reports) {
      const code = await unaryCall('Report', request, auth);
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      expect([grpc.status.OK, grpc.status.INVALID_ARGUMENT]).toContain(code);
      const ended = await sessionEnd([{ watch }, { report: request }, { watch }]);
      expect([JSON.stringify(request), ended.code]).toEqual([JSON.stringify(request), grpc.status.INVALID_ARGUMENT]);
      expect([JSON.stringify(request), ended.details === OUT_OF_PLACE]).toEqual([JSON.stringify(request), code === grpc.status.OK]);
    }
    // A Session must open with its watch, and only a member may open one.
    expect(await sessionEnd([{ report: { version: '1', stage: 'applied' } }])).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'the first message of a Session must be its watch' });
    expect((await sessionEnd([{ watch }], new grpc.Metadata())).code).toBe(grpc.status.UNAUTHENTICATED);
    // Many concurrent Watch streams of one node: the newest wins, the others end cleanly.
    let ended = 0;
    const streams = Array.from({ length: 20 }, () => client.Watch({ mode: 'centralized', last_applied_version: '0' }, auth));
    for (const s of streams) s.on('error', () => undefined).on('data', () => undefined).on('end', () => ended++);
    await eventually(() => (ended === 19 ? true : undefined), 10_000, '19 older streams ended by the primary');
    for (const s of streams) s.cancel();
    // Oversized request: over the primary's 64 KiB limit.
    expect(await unaryCall('Report', { version: '1', stage: 'rejected', error: 'x'.repeat(1_000_000) }, auth)).toBe(grpc.status.RESOURCE_EXHAUSTED);
    client.close();
    console.log(`federation fuzz: ${joins.length} garbage joins refused; ${reports.length} reports ${JSON.stringify(Object.fromEntries([...outcomes].map(([c, n]) => [grpc.status[c], n])))}`);
    expect((await node.control.status()).federation?.nodes).toBe(1);
  }, 120_000);
});
