/**
 * What the submission port does in each SMTP session (smtp-server's hooks): per-client limits at
 * connect, MAIL and DATA; recipients checked as they are named (local names included); the
 * message read within relay.maxMessageBytes and handed to the raw intake, which resolves once it
 * is on disk. Every refusal is one SMTP reply line with the AM_* code at its end.
 */
import type { SMTPServerDataStream, SMTPServerOptions } from 'smtp-server';
import type { LiveConfig } from '../config/live-config.js';
import { AppError, toAppError, type ErrorCode } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { createClientLimits, createWarnOnce, type Refusal } from './client-limits.js';
import { quote, type RawIntake } from './raw-intake.js';

/** One reply line stays well under SMTP's 512-octet limit. */
const REPLY_TEXT_CHARS = 400;

/** The SMTP reply for each refusal; anything else is a temporary local error (451), so the client keeps the mail. */
const REPLY_CODES: Partial<Record<ErrorCode, number>> = {
  AM_MESSAGE_TOO_LARGE: 552,
  AM_RECIPIENT_INVALID: 553,
  // 554 (5.6.0, "transaction failed"): the content is refused; 550 would claim a mailbox is unknown.
  AM_MESSAGE_INVALID: 554,
  AM_MAIL_DISABLED: 451,
  AM_OUTBOX_UNAVAILABLE: 452,
  AM_CLOSED: 421,
  AM_STATE_LOST: 451,
  AM_CLIENT_LIMITED: 451,
};

type SessionHooks = Pick<SMTPServerOptions, 'onConnect' | 'onClose' | 'onMailFrom' | 'onRcptTo' | 'onData'>;

export function createSessionHooks(deps: { config: LiveConfig; rawIntake: RawIntake; log: Logger }): SessionHooks {
  const { config, rawIntake, log } = deps;
  const limits = createClientLimits(() => config.current().submission.limits);
  const warnOnce = createWarnOnce();
  /** Per session: its client's release of the connection it holds. */
  const releases = new Map<string, () => void>();

  /** A limit passed: a warning naming the client (once a minute per client and limit), and the error. */
  function limited(refusal: Refusal, client: string): AppError {
    if (warnOnce(client, refusal.limit)) log.warn({ client, limit: refusal.limit, code: 'AM_CLIENT_LIMITED' }, `submission port client ${client} refused: ${refusal.text}`);
    return new AppError('AM_CLIENT_LIMITED', refusal.text);
  }

  async function accept(stream: SMTPServerDataStream, recipients: string[], client: string, from: string): Promise<string[]> {
    const raw = await readMessage(stream);
    if (stream.sizeExceeded) {
      const limit = config.current().relay.maxMessageBytes;
      throw new AppError('AM_MESSAGE_TOO_LARGE', `message refused: more than relay.maxMessageBytes (${limit}) bytes`);
    }
    const refusal = limits.bytes(client, raw.byteLength);
    if (refusal) throw limited(refusal, client);
    const ids = await rawIntake.submit({ raw, recipients, recipientsFromHeaders: false, from, protocol: 'ESMTP' }, { door: 'port', client });
    log.info({ ids, recipients: recipients.length, bytes: raw.byteLength }, 'message accepted on the submission port');
    return ids;
  }

  return {
    onConnect(session, callback) {
      const client = clientOf(session.remoteAddress);
      const admitted = limits.connect(client);
      // 421: the connection is closed; the client comes back later.
      if ('limit' in admitted) return callback(Object.assign(smtpError(limited(admitted, client)), { responseCode: 421 }));
      releases.set(session.id, admitted.release);
      callback();
    },
    onClose(session) {
      releases.get(session.id)?.();
      releases.delete(session.id);
    },
    onMailFrom(_address, session, callback) {
      const client = clientOf(session.remoteAddress);
      const refusal = limits.message(client);
      callback(refusal ? smtpError(limited(refusal, client)) : undefined);
    },
    onRcptTo(address, _session, callback) {
      try {
        rawIntake.checkRecipient(address.address);
        callback();
      } catch (err) {
        callback(smtpError(err));
      }
    },
    onData(stream, session, callback) {
      const client = clientOf(session.remoteAddress);
      // The client's HELO name is its own word: printable ASCII only, in the Received line.
      const helo = (session.hostNameAppearsAs || 'unknown').slice(0, 64).replace(/[^\x21-\x7e]|[()]/g, '?');
      accept(stream, session.envelope.rcptTo.map((r) => r.address), client, `${helo} ([${session.remoteAddress}])`).then(
        (ids) => callback(null, `queued as ${ids.join(' ')}`),
        (err: unknown) => {
          const appError = toAppError(err);
          // A client past its limits was logged once a minute already, not at every message.
          if (appError.code !== 'AM_CLIENT_LIMITED') log.warn({ code: appError.code, err: appError.message }, 'message refused on the submission port');
          callback(smtpError(appError));
        },
      );
    },
  };
}

/** A source address as one key: an IPv4 client seen through an IPv6 socket is the same client. */
function clientOf(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}

/** Reads DATA, keeping no more than the size limit in memory (smtp-server flags the rest). */
async function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function smtpError(err: unknown): Error & { responseCode: number } {
  const appError = toAppError(err);
  const responseCode = REPLY_CODES[appError.code] ?? 451;
  // The reply is one line: whatever a peer put in the message is quoted, not echoed.
  return Object.assign(new Error(`${quote(appError.message, REPLY_TEXT_CHARS)} [${appError.code}]`), { responseCode });
}
