/**
 * The secondary's side of TLS 1.2 at least (issue 11, finding 8): with Node's process-wide
 * default lowered (what `NODE_OPTIONS=--tls-min-v1.0` does), neither the certificate fetch of a
 * join nor the pinned gRPC channel completes a handshake with a server that speaks TLS 1.1 only.
 * (The primary's side is in security.test.ts.)
 */
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/registry.js';
import { fetchPeerCertificate, loadOrCreateIdentity, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import { tempDir } from '../helpers/daemon.js';

/** OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; level 0 lets the old server offer it. */
const OLD_CIPHERS = 'DEFAULT@SECLEVEL=0';

describe('a secondary facing a TLS 1.1 server', () => {
  const saved = { min: tls.DEFAULT_MIN_VERSION, ciphers: tls.DEFAULT_CIPHERS };
  let server: tls.Server;
  let port: number;
  let certPem: string;
  let sha256: string;
  const seen = { handshakes: 0, clientErrors: [] as string[] };

  beforeAll(async () => {
    // As --tls-min-v1.0 and --tls-cipher-list would set them for the whole process.
    tls.DEFAULT_MIN_VERSION = 'TLSv1';
    tls.DEFAULT_CIPHERS = OLD_CIPHERS;
    const identity = await loadOrCreateIdentity({ certFile: null, keyFile: null, stateDir: await tempDir('am-tls11-') });
    certPem = identity.certPem;
    sha256 = identity.sha256;
    server = tls.createServer({ cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: OLD_CIPHERS, ALPNProtocols: ['h2'] });
    server.on('secureConnection', (socket) => {
      seen.handshakes += 1;
      socket.on('error', () => undefined);
    });
    server.on('tlsClientError', (err) => seen.clientErrors.push(err.message));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    tls.DEFAULT_MIN_VERSION = saved.min;
    tls.DEFAULT_CIPHERS = saved.ciphers;
    await new Promise((resolve) => server?.close(resolve));
  });

  it('the certificate fetch of a join refuses it', async () => {
    const err = await fetchPeerCertificate('127.0.0.1', port).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/protocol version|unsupported protocol/i);
    expect(seen.handshakes).toBe(0);
  });

  it('the pinned gRPC channel refuses it', async () => {
    const before = seen.clientErrors.length;
    const client = new federationProto.Federation(`127.0.0.1:${port}`, pinnedCredentials(certPem, sha256), PINNED_CHANNEL_OPTIONS) as unknown as FederationClient;
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.Join({ token_id: 'x', token_secret: 'y', node_name: 'n', mode: 'local' }, { deadline: Date.now() + 3_000 }, (e) => resolve(e)),
    );
    client.close();
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(seen.handshakes).toBe(0);
    // The server saw the client give up on the version, not some other failure.
    expect(seen.clientErrors.slice(before).join('\n')).toMatch(/protocol version|unsupported protocol|version too low/i);
  });
});
