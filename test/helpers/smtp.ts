/**
 * A real SMTP server on loopback (nodemailer's smtp-server) with STARTTLS and AUTH, recording
 * what it receives. Its certificate is signed by a throw-away CA the test hands to the client.
 */
import { generate } from 'selfsigned';
import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { MailServerSettings } from '../../src/settings/schema.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The message as the bytes that arrived (raw is them read as UTF-8). */
  bytes: Buffer;
  secure: boolean;
  user: string | null;
}

export interface SmtpSink {
  port: number;
  caPem: string;
  received: ReceivedMail[];
  /** Every AUTH attempt, right or wrong, as the client sent it: what a server the client should not trust learns. */
  auths: Array<{ username: string; password: string }>;
  /** Replaces how RCPT TO is answered (e.g. to refuse one address with 550). */
  onRcpt: (address: string) => Error | null;
  /**
   * While true, every connection is greeted with 421 (service not available) and closed: a mail
   * server that is down, while the sink keeps its port (so it comes back on the same one).
   */
  unavailable: boolean;
  /** Cuts the TCP connection of an SMTP session at once (a server that dies mid-transfer). */
  dropSession(sessionId: string): void;
  close(): Promise<void>;
}

let ca: Promise<{ certPem: string; keyPem: string; caPem: string }> | null = null;

/** One CA and server certificate for 127.0.0.1 and localhost, made once per test file. */
export function testCertificates(): Promise<{ certPem: string; keyPem: string; caPem: string }> {
  ca ??= newCertificates('appliance-mail test CA');
  return ca;
}

/** A new CA named `caName` and a server certificate for 127.0.0.1 and localhost signed by it. */
export async function newCertificates(caName: string): Promise<{ certPem: string; keyPem: string; caPem: string }> {
  const authority = await generate([{ name: 'commonName', value: caName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true }],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: authority.private, cert: authority.cert },
    extensions: [
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { certPem: leaf.cert, keyPem: leaf.private, caPem: authority.cert };
}

/**
 * A loopback port where nothing listens, for "connection refused": port 1 (tcpmux) is privileged
 * and unused, and tests only ever bind port 0 (the system picks from the ephemeral range). Tests
 * never probe for a free port to hand on: another process could take it in between.
 */
export const REFUSED_PORT = 1;

/** Effective mail server settings for a test server on 127.0.0.1:`port`: plain text, no AUTH, sender engine@example.com. */
export const mailServerOn = (port: number, overrides: Partial<MailServerSettings> = {}): MailServerSettings => ({
  enabled: true,
  host: '127.0.0.1',
  port,
  sender: 'engine@example.com',
  username: null,
  password: null,
  tls: false,
  allowPlaintextAuth: false,
  caPem: null,
  auth: 'password',
  oauth2: null,
  ...overrides,
});

export async function startSmtpSink(options: {
  port?: number;
  starttls?: boolean;
  users?: Record<string, string>;
  /** The server's certificate (default: testCertificates()). */
  certificates?: { certPem: string; keyPem: string; caPem: string };
  extra?: Partial<SMTPServerOptions>;
} = {}): Promise<SmtpSink> {
  const certs = options.certificates ?? (await testCertificates());
  const users = options.users;
  const sink: SmtpSink = {
    port: 0,
    caPem: certs.caPem,
    received: [],
    auths: [],
    onRcpt: () => null,
    unavailable: false,
    dropSession: () => undefined,
    close: async () => undefined,
  };
  const server = new SMTPServer({
    secure: false,
    key: certs.keyPem,
    cert: certs.certPem,
    disabledCommands: [...(options.starttls === false ? ['STARTTLS'] : []), ...(users ? [] : ['AUTH'])],
    authOptional: !users,
    allowInsecureAuth: false,
    logger: false,
    // Clients keep pooled connections open; a test must not wait 30 s for them at close.
    closeTimeout: 500,
    onConnect(_session, callback) {
      callback(sink.unavailable ? Object.assign(new Error('Service not available, try later'), { responseCode: 421 }) : undefined);
    },
    onAuth(auth, _session, callback) {
      sink.auths.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (users && users[auth.username ?? ''] === auth.password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const refusal = sink.onRcpt(address.address);
      callback(refusal ?? undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        sink.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: bytes.toString('utf8'),
          bytes,
          secure: session.secure,
          user: (session.user as string | undefined) ?? null,
        });
        callback();
      });
    },
    ...options.extra,
  });
  // Clients that die mid-session (kill -9 tests) reset their connections; that is expected here.
  server.on('error', () => undefined);
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : port;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  sink.dropSession = (sessionId) => {
    // smtp-server keeps its live connections in a Set; each holds its socket.
    const connections = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
    for (const connection of connections) if (connection.id === sessionId) connection._socket.destroy();
  };
  return sink;
}

/**
 * A server that greets, then answers each command line with `reply(line)` (null: 250 OK; QUIT:
 * 221 and close): for replies smtp-server's hooks cannot give (to EHLO, to STARTTLS).
 */
export function startScriptedSmtp(reply: (line: string) => string | null): Promise<{ port: number; close(): Promise<void> }> {
  return serveLoopback((socket) => {
    socket.write('220 mx.contoso.example ESMTP\r\n');
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (/^QUIT/i.test(line)) {
          socket.end('221 bye\r\n');
          return;
        }
        socket.write(`${reply(line) ?? '250 OK'}\r\n`);
      }
    });
  });
}

/**
 * A bare SMTP server (no STARTTLS, no PIPELINING) that reads each message to its final dot and
 * lets `onMessage` answer it (or not): for a cut right after the message, which smtp-server's
 * hooks cannot do. `count` is the message's number within its session.
 */
export function startRawSmtp(onMessage: (socket: Socket, count: number, subject: string) => void): Promise<{ port: number; close(): Promise<void> }> {
  return serveLoopback((socket) => {
    socket.write('220 raw.example ESMTP\r\n');
    let buffer = '';
    let inData = false;
    let count = 0;
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const end = buffer.indexOf(inData ? '\r\n.\r\n' : '\r\n');
        if (end < 0) return;
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + (inData ? 5 : 2));
        if (inData) {
          inData = false;
          onMessage(socket, ++count, /Subject: (\w+)/.exec(text)?.[1] ?? '');
        } else if (/^DATA/i.test(text)) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT/i.test(text)) {
          socket.end('221 bye\r\n');
        } else {
          socket.write(/^EHLO/i.test(text) ? '250 raw.example\r\n' : '250 OK\r\n');
        }
      }
    });
  });
}

/** A TCP server on 127.0.0.1 calling `onSocket` per connection; close() cuts every connection. */
async function serveLoopback(onSocket: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
