/**
 * Delivers the outbox through the effective mail settings: a pooled nodemailer transport in the
 * SMTP worker thread, rebuilt when the settings change. Each message leaves as it was rendered at
 * intake, read back from disk, behind a From line for the sender in force. Transient failures are
 * retried with capped, jittered backoff; permanent ones (5xx on the message or a recipient) and
 * expired ones go to the dead letters with the server's reply.
 */
import type { LiveConfig } from '../config/live-config.js';
import { formatHostPort } from '../util/address.js';
import type { MailServerSettings } from '../settings/schema.js';
import type { Logger } from '../log/logger.js';
import type { OAuth2Tokens, TokenStatus } from '../oauth2/token-source.js';
import type { EffectiveSettings } from '../config/effective.js';
import { backoffDelayMs } from '../util/backoff.js';
import type { AppError } from '../errors/registry.js';
import type { Entry, Outbox } from './outbox.js';
import { fromHeaderLine } from './render.js';
import { classify, withHint, type Classified, type SmtpFailureClass } from './classify.js';
import { toSmtpError, type SmtpError } from './smtp-error.js';
import { createSmtpSender, type SmtpSender } from './smtp-sender.js';

/** Connections kept open to the mail server; enough to keep one core busy without flooding it. */
const POOL_CONNECTIONS = 4;
/** Messages in flight at once: a few per connection keeps every connection busy between replies. */
const MAX_IN_FLIGHT = POOL_CONNECTIONS * 8;
/**
 * Bodies are read from disk when sent and held until the server answered: this bounds the memory
 * they take (a few large digests at a time, many small alerts), whatever the backlog.
 */
const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;
/** Mail that cannot even be attempted (server disabled) still expires; checked this often. */
const EXPIRY_SWEEP_MS = 60_000;
/**
 * At shutdown, sends in flight get this long to finish so that their outcome is recorded; any
 * still open then are cut and sent again after the restart (at-least-once).
 */
const CLOSE_DRAIN_MS = 5_000;

export interface DeliveryError {
  message: string;
  at: string;
  server: string;
}

export interface DeliveryStatus {
  /** The last failure, cleared once a later delivery to the same server succeeded. */
  lastError: DeliveryError | null;
  /** The failure before, or the one a success cleared: history for the operator. */
  previousError: DeliveryError | null;
  lastDelivery: { at: string; server: string } | null;
  /** While the mail server is unreachable: when the next delivery is tried (RFC 3339), else null. */
  pausedUntil: string | null;
  /** With auth "oauth2": the token endpoint, the token's validity and the last token error. */
  oauth2: TokenStatus | null;
}

export interface Delivery {
  start(): void;
  /** Something new is due (a submission, a requeue): look at the queue now. */
  wake(): void;
  /** An operator asked for mail to be tried now: a pause (server unreachable) is lifted. */
  resume(): void;
  /** As `postqueue -f`: every deferred message is tried now, a pause is lifted; returns how many. */
  flush(): number;
  status(): DeliveryStatus;
  /** Tells `listener` of every send the mail server failed or refused (all or some recipients), by class. */
  onFailure(listener: (failure: SmtpFailureClass) => void): void;
  close(): Promise<void>;
}

export function createDelivery(deps: { outbox: Outbox; effective: EffectiveSettings; config: LiveConfig; tokens: OAuth2Tokens; log: Logger }): Delivery {
  const { outbox, effective, config, tokens, log } = deps;
  let transport: SmtpSender | null = null;
  let settings: MailServerSettings | null = null;
  let inFlight = 0;
  let inFlightBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let sweep: NodeJS.Timeout | null = null;
  let closed = false;
  let lastError: DeliveryError | null = null;
  let previousError: DeliveryError | null = null;
  let lastDelivery: { at: string; server: string } | null = null;
  let idle: (() => void) | null = null;
  const failureListeners: Array<(failure: SmtpFailureClass) => void> = [];
  /**
   * A mail server that cannot be reached (refused, timed out, TLS or AUTH failing) fails every
   * message alike: deliveries pause until this time instead of failing the whole queue one by
   * one, as Postfix marks a dead destination. Messages stay queued; nothing is written for them.
   */
  let pausedUntil = 0;
  let pauseCount = 0;
  /** Bumped by every settings change: the outcome of a send made with older settings says nothing of the new ones. */
  let generation = 0;
  /**
   * OAuth2: bumped each time a refused token (535) is discarded. A send that started before the
   * latest discard failed with the old token and is tried again at once, as is the first refusal
   * of a streak (a token revoked or rotated at the provider before it expired); nodemailer renews
   * by itself only where the server asks for it (Google's 334 challenge), not on a plain 535.
   */
  let tokenEpoch = 0;
  let refusalRetried = false;

  function rebuild(): void {
    generation++;
    const next = effective.current().mailServer;
    settings = next;
    if (canSend()) {
      transport ??= createSmtpSender();
      transport.configure(next, POOL_CONNECTIONS, tokens.forSettings(next), effective.current().heloName);
    }
  }

  /** Whether the settings in force can send at all: enabled, with a server. */
  function canSend(): boolean {
    return settings !== null && settings.enabled && settings.host !== null;
  }

  function server(): string {
    return settings?.host && settings.port ? formatHostPort({ host: settings.host, port: settings.port }) : '(none)';
  }

  function pump(): void {
    if (closed || !canSend() || transport === null) return;
    if (Date.now() < pausedUntil) {
      if (inFlight === 0) schedule(pausedUntil);
      return;
    }
    // After a pause, one message probes the server; the rest follow once it got through.
    const room = pauseCount > 0 ? (inFlight === 0 ? 1 : 0) : MAX_IN_FLIGHT - inFlight;
    const due = outbox.due(Date.now(), room);
    for (const entry of due) {
      if (inFlight > 0 && inFlightBytes + entry.size > MAX_IN_FLIGHT_BYTES) break;
      void send(entry);
    }
    if (inFlight === 0) scheduleNext();
  }

  function scheduleNext(): void {
    const next = outbox.nextDueAt();
    if (next === null) {
      if (timer) clearTimeout(timer);
      timer = null;
      return;
    }
    schedule(next);
  }

  function schedule(at: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(pump, Math.max(0, at - Date.now()));
    timer.unref();
  }

  async function send(entry: Entry): Promise<void> {
    const id = entry.id;
    const via = transport!;
    const sender = settings!.sender ?? '';
    const sentWith = generation;
    const sentEpoch = tokenEpoch;
    const sentTo = server();
    outbox.markSending(id, true);
    inFlight++;
    inFlightBytes += entry.size;
    try {
      const raw = await readWithFrom(entry, sender);
      if (raw === null) return;
      const info = await via.send({ envelope: { from: sender, to: entry.to }, raw });
      if (!info.ok) throw info.error ?? { message: 'the SMTP worker gave no reason' };
      const rejected = info.rejected ?? [];
      if (rejected.length > 0) {
        const refusals = (info.rejectedErrors ?? []).map((e) => classify(e, settings));
        tellFailure(refusals[0]?.class ?? '5xx');
        const reason = refusals.map(withHint).join('; ') || 'refused by the mail server';
        await outbox.markDead(id, `delivered to ${entry.to.length - rejected.length} of ${entry.to.length} recipients; refused: ${reason}`, rejected);
        noteError(`recipients refused: ${reason}`);
      } else {
        await outbox.markSent(id);
      }
      pauseCount = 0;
      refusalRetried = false;
      noteDelivery(sentTo);
      log.debug({ id, kind: entry.kind, response: info.response }, 'delivered');
    } catch (err) {
      // A send that failed, or (rarely) an outbox write that did: both are a failed attempt.
      await fail(entry, toSmtpError(err), sentWith, sentEpoch).catch((writeErr: unknown) => {
        log.error({ err: writeErr, id }, 'cannot record a delivery failure; the message will be tried again later');
        outbox.postpone(id, Date.now() + config.current().relay.retryMinMs);
      });
    } finally {
      outbox.markSending(id, false);
      inFlight--;
      inFlightBytes -= entry.size;
      if (inFlight === 0 && idle) idle();
      pump();
    }
  }

  /**
   * The stored message behind a From line for the sender in force (read into one buffer: no
   * copy). A damaged message becomes a dead letter; a read that fails otherwise is tried later.
   */
  async function readWithFrom(entry: Entry, sender: string): Promise<Buffer | null> {
    const from = fromHeaderLine(sender);
    try {
      const raw = await outbox.readMessage(entry, from.length);
      from.copy(raw, 0);
      return raw;
    } catch (err) {
      if ((err as AppError).code === 'AM_OUTBOX_CORRUPT') {
        log.error({ err, id: entry.id }, 'a stored message is damaged; moved to dead letters');
        await outbox.markDead(entry.id, (err as Error).message).catch(() => undefined);
      } else {
        log.error({ err, id: entry.id }, 'cannot read a stored message; it will be tried again later');
        outbox.postpone(entry.id, Date.now() + config.current().relay.retryMinMs);
      }
      return null;
    }
  }

  /** Applies what classify() decided about a failed send: retry now, back off, pause the server, or a dead letter. */
  async function fail(entry: Entry, error: SmtpError, sentWith: number, sentEpoch: number): Promise<void> {
    const id = entry.id;
    let failure: Classified = classify(error, settings);
    tellFailure(failure.class);
    const reason = withHint(failure);
    if (sentWith !== generation) {
      // Failed with settings that are no longer in force: try again at once with the new ones.
      await outbox.markDeferred(id, reason, Date.now());
      return;
    }
    // A refused OAuth2 token is dropped once per refusal (a send that started before the latest
    // drop failed with the old token and simply goes again); a second refusal in a row pauses.
    if (failure.retry === 'now' && sentEpoch === tokenEpoch) {
      tokens.forSettings(settings!)?.discard();
      tokenEpoch++;
      if (refusalRetried) failure = classify(error, settings, { tokenRenewed: true });
      refusalRetried = true;
    }
    if (failure.retry === 'now') {
      log.info({ id, reason }, 'the mail server refused the OAuth2 token; trying once more with a new one');
      await outbox.markDeferred(id, reason, Date.now());
      return;
    }
    noteError(reason);
    if (failure.retry === 'never') {
      log.warn({ id, kind: entry.kind, reason }, 'mail server refused the message for good; moved to dead letters');
      await outbox.markDead(id, reason);
      return;
    }
    const relay = config.current().relay;
    if (Date.now() - entry.createdAt >= relay.maxAgeMs) {
      await outbox.markDead(id, `expired: not delivered within relay.maxAge; last error: ${reason}`);
      log.warn({ id, reason }, 'message expired; moved to dead letters');
      return;
    }
    const policy = { baseMs: relay.retryMinMs, capMs: relay.retryMaxMs, jitter: 'equal' as const };
    // Only the first failure after a pause extends it: the others in flight failed for the same reason.
    if (failure.retry === 'pause' && Date.now() >= pausedUntil) {
      pausedUntil = Date.now() + backoffDelayMs(pauseCount++, policy);
      log.warn({ server: server(), reason, pausedUntil: new Date(pausedUntil).toISOString() }, 'mail server unreachable; deliveries paused');
    }
    const nextAt = Math.max(pausedUntil, Date.now() + backoffDelayMs(entry.attempts, policy));
    await outbox.markDeferred(id, reason, nextAt);
    log.info({ id, attempts: entry.attempts, retryInMs: nextAt - Date.now(), reason }, 'delivery deferred');
  }

  function tellFailure(failure: SmtpFailureClass): void {
    for (const listener of failureListeners) listener(failure);
  }

  function noteError(message: string): void {
    if (lastError) previousError = lastError;
    lastError = { message, at: new Date().toISOString(), server: server() };
  }

  /** A delivery got through: an error from the same server is history now. */
  function noteDelivery(to: string): void {
    lastDelivery = { at: new Date().toISOString(), server: to };
    if (lastError && lastError.server === to) {
      previousError = lastError;
      lastError = null;
    }
  }

  function expireOld(): void {
    const maxAgeMs = config.current().relay.maxAgeMs;
    const now = Date.now();
    for (const entry of outbox.list()) {
      if (entry.state === 'dead' || entry.sending || now - entry.createdAt < maxAgeMs) continue;
      const why = canSend() ? `last error: ${entry.lastError ?? 'none'}` : 'the mail server was disabled';
      void outbox
        .markDead(entry.id, `expired: not delivered within relay.maxAge; ${why}`)
        .catch((err: unknown) => log.error({ err }, 'cannot expire a message'));
    }
  }

  return {
    start() {
      rebuild();
      effective.onChange(() => {
        rebuild();
        // A fixed password or a new server may succeed where the old settings failed.
        outbox.retryDeferredNow();
        pausedUntil = 0;
        pauseCount = 0;
        log.info({ server: server(), enabled: settings?.enabled }, 'mail transport rebuilt; deferred messages retry now');
        pump();
      });
      sweep = setInterval(expireOld, EXPIRY_SWEEP_MS);
      sweep.unref();
      pump();
    },
    wake: pump,
    resume() {
      pausedUntil = 0;
      pauseCount = 0;
      pump();
    },
    flush() {
      const count = outbox.retryDeferredNow();
      pausedUntil = 0;
      pauseCount = 0;
      pump();
      return count;
    },
    onFailure(listener) {
      failureListeners.push(listener);
    },
    status: () => ({
      lastError: lastError && Date.now() < pausedUntil ? { ...lastError, message: `${lastError.message}; deliveries paused until ${new Date(pausedUntil).toISOString()}` } : lastError,
      previousError,
      lastDelivery,
      pausedUntil: Date.now() < pausedUntil ? new Date(pausedUntil).toISOString() : null,
      oauth2: settings === null ? null : (tokens.forSettings(settings)?.status() ?? null),
    }),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (sweep) clearInterval(sweep);
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, CLOSE_DRAIN_MS).unref();
        });
      }
      await transport?.close();
    },
  };
}
