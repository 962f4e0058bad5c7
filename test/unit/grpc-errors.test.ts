/**
 * fromServiceError says why a call failed in an operator's words, without grpc-js's boilerplate.
 * The failures come from real grpc-js channels on loopback where one can be made there; the
 * name-resolution text (which would need a DNS query) is the one grpc-js 1.14 writes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/registry.js';
import { routeGrpcLogs } from '../../src/log/grpc-log.js';
import { fromServiceError, toServiceError } from '../../src/util/grpc-errors.js';
import { bindServer } from '../../src/util/server-lifecycle.js';

const UNREACHABLE = { code: 'AM_PRIMARY_UNREACHABLE' as const, message: 'cannot reach the primary at X' };

const identity = { path: '/t.T/M', requestStream: false, responseStream: false } as const;
const Client = grpc.makeGenericClientConstructor(
  {
    M: {
      ...identity,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  'T',
);

/** One call to `target`; resolves with the ServiceError it fails with. */
function failingCall(target: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions = {}): Promise<grpc.ServiceError> {
  const client = new Client(target, credentials, options) as unknown as {
    M(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void): void;
    close(): void;
  };
  return new Promise((resolve, reject) => {
    client.M(Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 5_000 }, (err) => {
      client.close();
      if (err) resolve(err);
      else reject(new Error('the call succeeded'));
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

// grpc-js's own stderr lines (a failed bind writes one) are not what these tests read.
routeGrpcLogs(null);

describe('fromServiceError', () => {
  const servers: Server[] = [];
  let tlsServer: grpc.Server;
  let tlsPort: number;
  let certPem: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'am-grpc-errors-'));
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
    certPem = pems.cert;
    tlsServer = new grpc.Server();
    tlsPort = await bindServer(
      tlsServer,
      '127.0.0.1:0',
      grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(pems.cert), private_key: Buffer.from(pems.private) }], false),
      'test',
    );
  });

  afterAll(async () => {
    tlsServer.forceShutdown();
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('connection refused', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const err = await failingCall(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    expect(err.details).toMatch(/No connection established.*ECONNREFUSED.*Resolution note/);
    const app = fromServiceError(err, UNREACHABLE);
    expect(app.code).toBe('AM_PRIMARY_UNREACHABLE');
    expect(app.message).toBe('cannot reach the primary at X: connection refused');
  });

  it('no socket file, with the hint after the reason', async () => {
    const err = await failingCall(`unix:${join(dir, 'missing.sock')}`, grpc.credentials.createInsecure());
    const app = fromServiceError(err, { code: 'AM_DAEMON_UNREACHABLE', message: 'the daemon is not reachable on S', hint: 'Is the service started?' });
    expect(app.message).toBe('the daemon is not reachable on S: no socket at that path. Is the service started?');
    expect(app.exitCode).toBe(3);
  });

  it('TLS spoken to a server that does not speak it', async () => {
    const plain = createServer((socket) => socket.on('data', () => socket.end('not tls\n')));
    servers.push(plain);
    const port = await listen(plain);
    const err = await failingCall(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(certPem)), { 'grpc.ssl_target_name_override': 'localhost' });
    expect(fromServiceError(err, UNREACHABLE).message).toBe('cannot reach the primary at X: TLS handshake failed: wrong version number');
  });

  it('a certificate that does not verify', async () => {
    const err = await failingCall(`127.0.0.1:${tlsPort}`, grpc.credentials.createSsl(), { 'grpc.ssl_target_name_override': 'localhost' });
    expect(fromServiceError(err, UNREACHABLE).message).toBe('cannot reach the primary at X: TLS handshake failed: self-signed certificate');
  });

  it('a pinned certificate that does not match', async () => {
    const credentials = grpc.credentials.createSsl(Buffer.from(certPem), null, null, {
      checkServerIdentity: () => new Error("the primary's certificate aa is not the pinned bb"),
    });
    const err = await failingCall(`127.0.0.1:${tlsPort}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
    expect(fromServiceError(err, UNREACHABLE).message).toBe("cannot reach the primary at X: TLS handshake failed: the primary's certificate aa is not the pinned bb");
  });

  it('a deadline that passes', async () => {
    const silent = createServer(() => undefined);
    servers.push(silent);
    const port = await listen(silent);
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
      M(req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void): void;
      close(): void;
    };
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.M(Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 300 }, (e) => resolve(e!)),
    );
    client.close();
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(fromServiceError(err, UNREACHABLE).message).toBe('cannot reach the primary at X: timed out');
  });

  it.each([
    ['Name resolution failed for target dns:primary.example:7443', 'name not resolved'],
    ['No connection established. Last error: Error: getaddrinfo ENOTFOUND primary.example. Resolution note: ', 'name not resolved'],
    ['No connection established. Last error: Error: connect EHOSTUNREACH 127.0.0.9:7443. Resolution note: ', 'host unreachable'],
    ['No connection established. Last error: Error: read ECONNRESET. Resolution note: ', 'connection reset by the peer'],
    ['No connection established. Last error: Error: something new\u001b[31m\nline two. Resolution note: x', 'something new [31m line two'],
  ])('texts grpc-js writes: %s', (details, reason) => {
    const err = Object.assign(new Error(details), { code: grpc.status.UNAVAILABLE, details, metadata: new grpc.Metadata() });
    expect(fromServiceError(err, UNREACHABLE).message).toBe(`cannot reach the primary at X: ${reason}`);
  });

  it("keeps the peer's own code and message", () => {
    const sent = toServiceError(new AppError('AM_TOKEN_USED', 'the token was used'));
    const err = Object.assign(new Error('x'), sent) as grpc.ServiceError;
    const app = fromServiceError(err, UNREACHABLE);
    expect(app.code).toBe('AM_TOKEN_USED');
    expect(app.message).toBe('the token was used');
  });

  it('a failure that is not about reaching the peer is AM_INTERNAL, in one line', () => {
    const details = 'Received RST_STREAM with code 2 triggered by internal client error: Protocol error';
    const err = Object.assign(new Error(details), { code: grpc.status.INTERNAL, details, metadata: new grpc.Metadata() });
    const app = fromServiceError(err, UNREACHABLE);
    expect(app.code).toBe('AM_INTERNAL');
    expect(app.message).toBe(details);
  });
});

describe('bindServer', () => {
  it('a taken address is AM_ADDRESS_IN_USE naming the address and the setting', async () => {
    const taken = createServer();
    const port = await listen(taken);
    const server = new grpc.Server();
    const err = await bindServer(server, `127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), 'federation.listen').catch((e: unknown) => e);
    taken.close();
    server.forceShutdown();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('AM_ADDRESS_IN_USE');
    expect((err as AppError).message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} \\(federation\\.listen\\) is already in use by another process`));
    expect((err as AppError).message).not.toMatch(/No address added/);
  });
});
