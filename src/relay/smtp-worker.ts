/**
 * The SMTP side of delivery, in a worker thread: nodemailer's TLS and protocol handling take most
 * of a core at full speed, and here they do not compete with intake (gRPC, journal fsyncs) on the
 * main thread. Messages arrive rendered (raw bytes, moved here without a copy) with their envelope. The main thread keeps every decision (retry, dead letter,
 * pause); this thread only sends and reports what the server said.
 */
import { parentPort } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { MailServerSettings } from '../settings/schema.js';
import { downgradeTo7Bit, needs8BitMime } from './downgrade-8bit.js';
import { toSmtpError, type SmtpError } from './smtp-error.js';
import { offers8BitMime, smtpOptions, type TokenProvider } from './transport-options.js';

export interface OutgoingMail {
  envelope: { from: string; to: readonly string[] };
  /** The whole message as it goes on the wire (its buffer is transferred to this thread). */
  raw: Uint8Array;
}

/** What the server answered, as plain data (errors lose their class across threads). */
export interface SendOutcome {
  ok: boolean;
  response?: string;
  rejected?: string[];
  rejectedErrors?: SmtpError[];
  error?: SmtpError;
}

/**
 * `settings` reach this thread without OAuth2 client secrets: with auth "oauth2" the tokens come
 * from the main thread (which holds the token source and the state), asked per connection.
 */
export type WorkerRequest =
  | { type: 'configure'; settings: MailServerSettings; maxConnections: number; heloName: string }
  | { type: 'send'; id: number; mail: OutgoingMail }
  | { type: 'token'; id: number; token: { token: string; expiresAt: number } | null; error: SmtpError | null }
  | { type: 'close' };

export type WorkerReply = { type: 'sent'; id: number; outcome: SendOutcome } | { type: 'token'; id: number; renew: boolean };

if (parentPort) {
  const port = parentPort;
  let transport: Transporter<SMTPPool.SentMessageInfo> | null = null;
  /** Asked of the server in force once, when the first 8-bit message comes (cleared by configure and by a failed probe). */
  let probe8Bit: (() => Promise<boolean>) | null = null;
  let offers8Bit: Promise<boolean> | null = null;
  const tokenRequests = new Map<number, { resolve: (t: { token: string; expiresAt: number }) => void; reject: (err: Error) => void }>();
  let nextTokenRequest = 1;
  const tokens: TokenProvider = (renew) =>
    new Promise((resolve, reject) => {
      const id = nextTokenRequest++;
      tokenRequests.set(id, { resolve, reject });
      port.postMessage({ type: 'token', id, renew } satisfies WorkerReply);
    });
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'token') {
      const waiting = tokenRequests.get(request.id);
      tokenRequests.delete(request.id);
      if (request.token !== null) waiting?.resolve(request.token);
      else waiting?.reject(Object.assign(new Error(request.error?.message ?? 'no token'), { code: request.error?.code }));
    } else if (request.type === 'configure') {
      const old = transport;
      const provider = request.settings.auth === 'oauth2' ? tokens : null;
      const options = { ...smtpOptions(request.settings, provider), name: request.heloName };
      transport = nodemailer.createTransport({ ...options, pool: true, maxConnections: request.maxConnections, maxMessages: Infinity } as SMTPPool.Options);
      probe8Bit = () => offers8BitMime(options);
      offers8Bit = null;
      // Sends in flight on the old pool finish; it closes its connections when they are done.
      old?.close();
    } else if (request.type === 'send') {
      const via = transport;
      if (!via) {
        port.postMessage({ type: 'sent', id: request.id, outcome: { ok: false, error: { code: 'ECONFIG', message: 'no mail server configured' } } } satisfies WorkerReply);
        return;
      }
      const { envelope, raw } = request.mail;
      // BODY=8BITMIME whenever the server offers it (RFC 6152 allows it for 7-bit mail too): a
      // message taken whole from sendmail or the submission port may carry 8-bit parts as they
      // came, and goes byte for byte to a server that offers it; to one that does not, re-encoded.
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const wire = !needs8BitMime(bytes) || probe8Bit === null ? Promise.resolve(bytes) : forServer(bytes, probe8Bit);
      // Naming a Message-ID (the raw bytes keep their own) spares nodemailer making a random one
      // per send for its report: 3.5 % of this thread's CPU (docs/PROFILE-relay.md).
      // The envelope is this thread's own copy (postMessage cloned it): handed on as it is.
      wire.then((message) => via.sendMail({ envelope: { from: envelope.from, to: envelope.to as string[], use8BitMime: true } as { from: string; to: string[] }, raw: message, messageId: `<${request.id}@smtp-worker>` })).then(
        (info) =>
          port.postMessage({
            type: 'sent',
            id: request.id,
            outcome: { ok: true, response: info.response, rejected: (info.rejected ?? []).map(String), rejectedErrors: (info.rejectedErrors ?? []).map(toSmtpError) },
          } satisfies WorkerReply),
        (err: unknown) => port.postMessage({ type: 'sent', id: request.id, outcome: { ok: false, error: toSmtpError(err) } } satisfies WorkerReply),
      );
    } else {
      transport?.close();
      port.close();
    }
  });

  /** The message as the server in force can take it: as it is with 8BITMIME, else 7-bit. */
  const forServer = async (bytes: Buffer, probe: () => Promise<boolean>): Promise<Buffer> => {
    const asked = (offers8Bit ??= probe());
    // A failed probe (server down) fails this send as a failed connection would, and is asked again next time.
    asked.catch(() => {
      if (offers8Bit === asked) offers8Bit = null;
    });
    return (await asked) ? bytes : downgradeTo7Bit(bytes);
  };
}
