/**
 * The main thread's handle on the SMTP worker thread: configure it with settings, send a mail,
 * get the server's answer. One worker per daemon; closing it ends its connections.
 */
import { Worker } from 'node:worker_threads';
import type { MailServerSettings } from '../settings/schema.js';
import type { TokenSource } from '../oauth2/token-source.js';
import { toSmtpError } from './smtp-error.js';
import type { OutgoingMail, SendOutcome, WorkerReply, WorkerRequest } from './smtp-worker.js';

/**
 * The worker's new space (V8 grows it to 32 MB under load, resident from then on): its garbage is
 * short-lived protocol state and the message buffers it is handed, which are not in this space.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

export interface SmtpSender {
  /** `tokens`: where XOAUTH2 tokens come from with auth "oauth2" (this thread keeps it; the worker asks). */
  configure(settings: MailServerSettings, maxConnections: number, tokens: TokenSource | null): void;
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): Promise<void>;
}

export function createSmtpSender(): SmtpSender {
  const worker = new Worker(new URL('./smtp-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const pending = new Map<number, (outcome: SendOutcome) => void>();
  let nextId = 1;
  let closed = false;
  let tokens: TokenSource | null = null;
  worker.on('message', (reply: WorkerReply) => {
    if (reply.type === 'token') {
      const answer = (message: WorkerRequest) => {
        if (!closed) post(message);
      };
      if (tokens === null) {
        answer({ type: 'token', id: reply.id, token: null, error: { message: 'no OAuth2 settings in force' } });
        return;
      }
      tokens.token(reply.renew).then(
        (t) => answer({ type: 'token', id: reply.id, token: { token: t.token, expiresAt: t.expiresAt }, error: null }),
        (err: unknown) => answer({ type: 'token', id: reply.id, token: null, error: toSmtpError(err) }),
      );
      return;
    }
    pending.get(reply.id)?.(reply.outcome);
    pending.delete(reply.id);
  });
  const failAll = (message: string) => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'EWORKER', message } });
    pending.clear();
  };
  worker.on('error', (err) => failAll(`the SMTP worker failed: ${err.message}`));
  worker.on('exit', () => failAll('the SMTP worker stopped'));
  // The worker must not keep the process alive on its own; shutdown closes it explicitly.
  worker.unref();
  const post = (request: WorkerRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(request, transfer);
  return {
    configure(settings, maxConnections, source) {
      tokens = source;
      // The client secret and refresh token stay on this thread: the worker needs only the mailbox.
      post({ type: 'configure', settings: { ...settings, oauth2: null }, maxConnections });
    },
    send(mail) {
      if (closed) return Promise.resolve({ ok: false, error: { code: 'ECLOSED', message: 'the relay is closed' } });
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        // The message's bytes move to the worker; this thread does not use them again.
        const transfer = mail.raw.byteOffset === 0 && mail.raw.byteLength === mail.raw.buffer.byteLength ? [mail.raw.buffer as ArrayBuffer] : [];
        post({ type: 'send', id, mail }, transfer);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      post({ type: 'close' });
      await worker.terminate();
    },
  };
}
