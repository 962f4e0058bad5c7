/**
 * The local SMTP submission port (submission.listen): for everything on the Appliance that can
 * only send mail (cron, smartd, mdadm, Grafana, scripts). Like Postfix's local pickup it trusts
 * who can reach it, so it has no AUTH and listens on loopback unless the operator says otherwise
 * (the config schema refuses anything else). It relays nowhere by itself: a message goes through
 * the relay's intake, and 250 is sent only once the intake resolved, that is, once the message
 * is on disk.
 */
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { formatHostPort, parseHostPort } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError, toAppError, type ErrorCode } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { listenError } from '../util/server-lifecycle.js';
import { acceptBareLocalRecipients } from './bare-recipient.js';
import { createClientLimits, createWarnOnce, type Refusal } from './client-limits.js';
import { quote, type RawIntake } from './raw-intake.js';

/** Enough for every job on one Appliance at once; more is a runaway script. */
const MAX_CLIENTS = 50;
/** A graceful close waits this long for sessions in flight, then tells them 421 and closes. */
const CLOSE_GRACE_MS = 5_000;
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

export interface SubmissionPort {
  /** `host:port` actually bound (port 0 resolved); null before start or when off. */
  address(): string | null;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createSubmissionPort(deps: { config: LiveConfig; rawIntake: RawIntake; log: Logger }): SubmissionPort {
  const { config, rawIntake, log } = deps;
  acceptBareLocalRecipients();
  const listen = config.current().submission.listen;
  let bound: string | null = null;
  let state: 'new' | 'started' | 'closed' = 'new';
  let closing: Promise<void> | null = null;
  let server: SMTPServer | null = null;
  const limits = createClientLimits(() => config.current().submission.limits);
  const warnOnce = createWarnOnce();
  /** Per session: its client's release of the connection it holds. */
  const releases = new Map<string, () => void>();

  /** A limit passed: a warning naming the client (once a minute per client and limit), and the error. */
  function limited(refusal: Refusal, client: string): AppError {
    if (warnOnce(client, refusal.limit)) log.warn({ client, limit: refusal.limit, code: 'AM_CLIENT_LIMITED' }, `submission port client ${client} refused: ${refusal.text}`);
    return new AppError('AM_CLIENT_LIMITED', refusal.text);
  }

  const build = () => new SMTPServer({
    name: config.current().node.name,
    banner: 'appliance-mail local submission',
    size: config.current().relay.maxMessageBytes,
    // No AUTH (local trust, as Postfix's pickup) and no STARTTLS (loopback traffic stays on this machine).
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    maxClients: MAX_CLIENTS,
    closeTimeout: CLOSE_GRACE_MS,
    logger: false,
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
  });
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
    address: () => bound,
    async start() {
      if (state !== 'new' || listen === null) return;
      const parsed = parseHostPort(listen, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_CONFIG_INVALID', `submission.listen: ${parsed.error}`);
      const smtp = build();
      server = smtp;
      await new Promise<void>((resolve, reject) => {
        // smtp-server re-emits its listener's and its connections' errors on itself.
        smtp.once('error', (err) =>
          reject(listenError(err, listen, 'submission.listen')),
        );
        smtp.listen(parsed.port, parsed.host, () => resolve());
      });
      smtp.removeAllListeners('error');
      // A client that resets its connection is its own business; it must not end the daemon.
      smtp.on('error', (err) => log.debug({ err: err.message }, 'submission port connection error'));
      // The advertised SIZE follows relay.maxMessageBytes as it is reloaded (smtp-server reads it per session).
      config.onChange((next) => {
        smtp.options.size = next.relay.maxMessageBytes;
      });
      const address = smtp.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : parsed.port;
      bound = formatHostPort({ host: parsed.host, port });
      state = 'started';
      log.info({ listen: bound }, 'submission port listening');
    },
    close() {
      const smtp = server;
      if (state !== 'started' || smtp === null) {
        state = 'closed';
        return closing ?? Promise.resolve();
      }
      state = 'closed';
      // Stops accepting at once; sessions still open after CLOSE_GRACE_MS get 421 and are closed.
      closing ??= new Promise<void>((resolve) => smtp.close(() => resolve()));
      return closing;
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
