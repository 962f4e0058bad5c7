/**
 * A pool of SMTP connections (nodemailer's SMTPConnection) that sends stored bytes as they are.
 * nodemailer's own pool takes a message to build: for a raw message it still wraps the bytes in
 * a MimeNode and a stream pipeline per send, about two thirds of the SMTP worker's CPU
 * (docs/explanation/choices.md); this pool hands the bytes to the connection, which dot-escapes them
 * onto the socket. What the pool keeps from nodemailer's: connections opened on demand up to a
 * limit and reused (PIPELINING is the connection's), AUTH (password or XOAUTH2) when the server
 * offers it, a session reset after a refused message, and one more try on a new connection for a
 * message whose reused connection failed before any of its bytes went out (a session the server
 * had closed meanwhile).
 */
import { isTransientError } from 'nodemailer/lib/errors.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import XOAuth2 from 'nodemailer/lib/xoauth2/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { downgradeTo7Bit, needs8BitMime } from './downgrade-8bit.js';

export interface PoolEnvelope {
  from: string;
  to: readonly string[];
}

export type SentInfo = SMTPConnection.SentMessageInfo;

export interface SmtpPool {
  /** Sends `message` (CRLF lines, as stored) when a connection is free; rejects with nodemailer's error. */
  send(envelope: PoolEnvelope, message: Buffer): Promise<SentInfo>;
  /**
   * Stops taking sends: sends in progress finish, then their connections quit. Sends still
   * waiting for a connection fail with ECLOSED: the caller made their envelope and From line for
   * the settings of this pool, and sends them again with the new ones.
   */
  close(): void;
}

interface Waiting {
  envelope: PoolEnvelope;
  message: Buffer;
  resolve: (info: SentInfo) => void;
  reject: (err: Error) => void;
}

interface Connection {
  smtp: SMTPConnection;
  /** Whether this server's EHLO offered 8BITMIME: else 8-bit messages are re-encoded for it. */
  eightBit: boolean;
  sent: number;
  gone: boolean;
}

const OFFERS_8BITMIME = /^250[ -]8BITMIME\b/im;

/** `options`: from smtpOptions() with the EHLO name; their `auth` is used when the server offers AUTH. */
export function createSmtpPool(options: SMTPTransport.Options & { name: string }, maxConnections: number): SmtpPool {
  const waiting: Waiting[] = [];
  const idle: Connection[] = [];
  let open = 0;
  let closed = false;

  function pump(): void {
    while (!closed && waiting.length > 0) {
      const connection = idle.pop();
      if (connection !== undefined) deliver(connection, waiting.shift()!);
      else if (open < maxConnections) connect(waiting.shift()!);
      else return;
    }
  }

  /** A new connection, made for `first`: a connection that cannot be made fails that message. */
  function connect(first: Waiting): void {
    open++;
    openConnection(options, forget).then((connection) => {
      if (closed) {
        first.reject(poolClosed());
        connection.smtp.quit();
      } else {
        deliver(connection, first);
      }
    }, first.reject);
  }

  /** A connection ended (synchronously within its close()): its place is free for the next. */
  function forget(connection: Connection): void {
    open--;
    const at = idle.indexOf(connection);
    if (at >= 0) idle.splice(at, 1);
    queueMicrotask(pump);
  }

  function deliver(connection: Connection, mail: Waiting): void {
    const { smtp } = connection;
    const reused = connection.sent > 0;
    connection.sent++;
    try {
      // BODY=8BITMIME whenever the server offers it (RFC 6152 allows it for 7-bit mail too): a
      // message taken whole from sendmail or the submission port may carry 8-bit parts as they
      // came, and goes byte for byte to a server that offers it; to one that does not, re-encoded.
      const body = bodySource(connection.eightBit || !needs8BitMime(mail.message) ? mail.message : downgradeTo7Bit(mail.message));
      send(connection, mail, body, reused);
    } catch (err) {
      // Whatever threw (a message the re-encoding cannot take), this message gets it as its outcome.
      mail.reject(err as Error);
      smtp.close();
    }
  }

  function send(connection: Connection, mail: Waiting, body: ReturnType<typeof bodySource>, reused: boolean): void {
    const { smtp } = connection;
    smtp.send({ from: mail.envelope.from, to: mail.envelope.to as string[], use8BitMime: true }, body as unknown as Buffer, (err, info) => {
      if (!err) {
        mail.resolve(info);
        // After the connection's own bookkeeping for this reply: the next send starts clean.
        queueMicrotask(() => release(connection));
        return;
      }
      const failure = err as Error & { code?: string; responseCode?: number };
      if (reused && !body.started() && isTransientError(failure) && !closed) {
        // A reused session the server had ended (idle timeout, restart) before a byte of this
        // message went out: once more, on a new connection (its failure is the outcome). After
        // the first byte the server may have the message: the main thread decides (at least once).
        smtp.close();
        connect(mail);
        return;
      }
      mail.reject(failure);
      if ((failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') && failure.responseCode !== 421 && !connection.gone) {
        // The server refused this message, not the session: reset it and keep the connection.
        smtp.reset((resetErr) => (resetErr ? smtp.close() : release(connection)));
      } else {
        smtp.close();
      }
    });
  }

  function release(connection: Connection): void {
    if (connection.gone) return;
    if (closed) {
      connection.smtp.quit();
      return;
    }
    idle.push(connection);
    pump();
  }

  return {
    send(envelope, message) {
      return new Promise((resolve, reject) => {
        if (closed) {
          reject(poolClosed());
          return;
        }
        waiting.push({ envelope, message, resolve, reject });
        pump();
      });
    },
    close() {
      closed = true;
      for (const connection of idle.splice(0)) connection.smtp.quit();
      for (const mail of waiting.splice(0)) mail.reject(poolClosed());
    },
  };
}

/**
 * Connects, says EHLO (STARTTLS first when required) and logs in when the server offers AUTH;
 * resolves once the connection can send. `onGone` hears once when it ends, whenever that is.
 */
function openConnection(options: SMTPTransport.Options & { name: string }, onGone: (connection: Connection) => void): Promise<Connection> {
  const { auth, ...connectionOptions } = options;
  const smtp = new SMTPConnection(connectionOptions);
  const connection: Connection = { smtp, eightBit: false, sent: 0, gone: false };
  return new Promise((resolve, reject) => {
    const gone = () => {
      if (connection.gone) return;
      connection.gone = true;
      onGone(connection);
    };
    // After it is ready, an error during a send reaches the send's callback too: here it only
    // ends the connection (a settled promise ignores the reject).
    smtp.on('error', (err: Error) => {
      reject(err);
      gone();
    });
    smtp.once('end', () => {
      reject(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION', command: 'CONN' }));
      gone();
    });
    smtp.connect((err) => {
      // A close before the greeting comes here; the 'end' that follows does the rest.
      if (err) return reject(err);
      // connect() calls back after EHLO (after STARTTLS, the EHLO that counts).
      connection.eightBit = OFFERS_8BITMIME.test(smtp.lastServerResponse || '');
      if (auth === undefined || !smtp.allowsAuth) return resolve(connection);
      // A new XOAuth2 per connection, as nodemailer's pool made (one kept for the pool would reuse
      // its cached token): each connection asks the main thread's token source, which decides when
      // a token is renewed, e.g. after the server refused it (delivery-failure.ts).
      const credentials = auth.type === 'OAuth2' ? { type: 'OAUTH2', user: auth.user, oauth2: new XOAuth2(auth), method: 'XOAUTH2' } : { credentials: { user: auth.user ?? '', pass: auth.pass ?? '' } };
      smtp.login(credentials as SMTPConnection.AuthenticationType, (loginErr) => {
        if (!loginErr) return resolve(connection);
        reject(loginErr);
        smtp.close();
      });
    });
  });
}

/**
 * The message as SMTPConnection takes a stream: it pipes it into the DATA stream only once the
 * server said 354, so `started()` tells whether a byte of it can have reached the server (as
 * nodemailer's pool asks its message stream). The connection also listens for errors on it and
 * destroys it when torn down; a buffer has neither.
 */
function bodySource(bytes: Buffer) {
  let piped = false;
  const source = {
    pipe(into: NodeJS.WritableStream) {
      piped = true;
      into.end(bytes);
      return into;
    },
    on: () => source,
    removeListener: () => source,
    destroy: () => undefined,
    started: () => piped,
  };
  return source;
}

function poolClosed(): Error {
  return Object.assign(new Error('the connection pool was closed'), { code: 'ECLOSED' });
}
