/**
 * The SMTP side of delivery, in a worker thread: TLS and the SMTP protocol (nodemailer's
 * SMTPConnection, pooled by smtp-pool.ts) do not compete with intake (gRPC, journal fsyncs) on the
 * main thread. Messages arrive rendered (raw bytes, moved here without a copy) with their
 * envelope. The main thread keeps every decision (retry, dead letter, pause); this thread only
 * sends and reports what the server said.
 */
import { parentPort } from 'node:worker_threads';
import type { MailServerSettings } from '../settings/schema.js';
import { toSmtpError, type SmtpError } from './smtp-error.js';
import { createSmtpPool, type SmtpPool } from './smtp-pool.js';
import { smtpOptions, type TokenProvider } from './transport-options.js';

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
  let pool: SmtpPool | null = null;
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
      const provider = request.settings.auth === 'oauth2' ? tokens : null;
      // Sends in progress on the old pool finish there; those still waiting fail, and delivery
      // sends them again with the new settings (their sender may have changed).
      pool?.close();
      pool = createSmtpPool({ ...smtpOptions(request.settings, provider), name: request.heloName }, request.maxConnections);
    } else if (request.type === 'send') {
      if (pool === null) {
        port.postMessage({ type: 'sent', id: request.id, outcome: { ok: false, error: { code: 'ECONFIG', message: 'no mail server configured' } } } satisfies WorkerReply);
        return;
      }
      const { envelope, raw } = request.mail;
      pool.send(envelope, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)).then(
        (info) =>
          port.postMessage({
            type: 'sent',
            id: request.id,
            outcome: { ok: true, response: info.response, rejected: info.rejected.map(String), rejectedErrors: (info.rejectedErrors ?? []).map(toSmtpError) },
          } satisfies WorkerReply),
        (err: unknown) => port.postMessage({ type: 'sent', id: request.id, outcome: { ok: false, error: toSmtpError(err) } } satisfies WorkerReply),
      );
    } else {
      pool?.close();
      port.close();
    }
  });
}
