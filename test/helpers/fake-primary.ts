/**
 * A stand-in primary: a real grpc-js server speaking the federation proto over TLS on a loopback
 * port 0, driven by the test. It admits any join, keeps the node's stream (a Session, or a Watch)
 * so the test can write any SettingsUpdate to it, and records every stream's opening request and
 * every Report. With `session: false` it is a primary from before Session: grpc-js answers a
 * Session with UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { loadOrCreateIdentity } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { formatToken } from '../../src/federation/secrets.js';
import type { FederationHandlers } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest__Output } from '../../src/generated/appliance_mail/federation/v1/ReportRequest.js';
import type { SessionRequest__Output } from '../../src/generated/appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { WatchRequest__Output } from '../../src/generated/appliance_mail/federation/v1/WatchRequest.js';
import { tempDir } from './daemon.js';

export interface FakePrimary {
  address: string;
  /** A join token this fake accepts (it accepts any), pinned to its certificate. */
  token: string;
  /** Every Report, with the way it came: on the Session, or by a Report call. */
  reports: Array<ReportRequest__Output & { via: 'session' | 'call' }>;
  /** The opening request of every stream, in order. */
  watches: Array<WatchRequest__Output & { via: 'session' | 'watch'; peer: string }>;
  /** The client address and port of each Join call: which connection it came over. */
  joinPeers: string[];
  /** Resolves with the first Report (old or new) for `version` that is not a verification. */
  ackOrNack(version: number, timeoutMs?: number): Promise<ReportRequest__Output>;
  /** Resolves once `count` streams were opened (the first by default). */
  watching(timeoutMs?: number, count?: number): Promise<void>;
  send(update: SettingsUpdate): void;
  /** Ends the node's stream with UNAVAILABLE, as a primary going away does. */
  drop(): void;
  close(): Promise<void>;
}

export async function startFakePrimary(options: { session?: boolean } = {}): Promise<FakePrimary> {
  const identity = await loadOrCreateIdentity({ certFile: null, keyFile: null, stateDir: await tempDir('am-fake-primary-') });
  const server = new grpc.Server();
  const reports: FakePrimary['reports'] = [];
  const watches: FakePrimary['watches'] = [];
  const joinPeers: string[] = [];
  let stream: grpc.ServerWritableStream<WatchRequest__Output, SettingsUpdate> | grpc.ServerDuplexStream<SessionRequest__Output, SettingsUpdate> | null = null;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const handlers: FederationHandlers = {
    Join: (call, callback) => {
      joinPeers.push(call.getPeer());
      callback(null, { credential: `${call.request.node_name}.fake-secret`, primary_name: 'fake-primary' });
    },
    Watch: (call) => {
      stream = call;
      watches.push({ ...call.request, via: 'watch', peer: call.getPeer() });
      call.sendMetadata(new grpc.Metadata());
      wake();
    },
    Report: (call, callback) => {
      reports.push({ ...call.request, via: 'call' });
      wake();
      callback(null, {});
    },
    Session: (call) => {
      call.on('data', (message: SessionRequest__Output) => {
        if (message.watch) {
          stream = call;
          watches.push({ ...message.watch, via: 'session', peer: call.getPeer() });
          call.sendMetadata(new grpc.Metadata());
        }
        if (message.report) reports.push({ ...message.report, via: 'session' });
        wake();
      });
      call.on('error', () => undefined);
    },
  };
  // Without Session, grpc-js answers it UNIMPLEMENTED, as a primary that predates it does.
  const { Session: _session, ...older } = handlers;
  server.addService(federationProto.Federation.service, options.session === false ? older : handlers);
  const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(identity.certPem), private_key: Buffer.from(identity.keyPem) }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));

  function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake primary: timed out waiting for ${what}; reports: ${JSON.stringify(reports)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    address: `127.0.0.1:${port}`,
    token: formatToken({ id: '0123abcd', secret: 'A'.repeat(32), certSha256: identity.sha256 }),
    reports,
    ackOrNack: (version, timeoutMs = 10_000) =>
      until(() => reports.find((r) => r.version === String(version) && (r.stage === 'applied' || r.stage === 'rejected')), timeoutMs, `a report of version ${version}`),
    watches,
    joinPeers,
    watching: (timeoutMs = 10_000, count = 1) => until(() => (watches.length >= count ? true : undefined), timeoutMs, `stream ${count}`).then(() => undefined),
    send(update) {
      if (!stream) throw new Error('no stream yet');
      stream.write(update);
    },
    drop() {
      stream?.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the fake primary dropped the stream' });
      stream = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
