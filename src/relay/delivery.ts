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
import type { Entry, Outbox } from './outbox.js';
import type { SmtpFailureClass } from './classify.js';
import { createFailureHandling } from './delivery-failure.js';
import { createServerHealth, type DeliveryError } from './delivery-health.js';
import { deliverOne, expireOld } from './delivery-queue.js';
import { createSmtpSender, type SmtpSender } from './smtp-sender.js';

export type { DeliveryError } from './delivery-health.js';

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
  let idle: (() => void) | null = null;
  const failureListeners: Array<(failure: SmtpFailureClass) => void> = [];
  const tellFailure = (failure: SmtpFailureClass) => failureListeners.forEach((listener) => listener(failure));
  const health = createServerHealth();
  /** Bumped by every settings change: the outcome of a send made with older settings says nothing of the new ones. */
  let generation = 0;
  const failures = createFailureHandling({ outbox, config, tokens, log, health, settings: () => settings, generation: () => generation, server, tellFailure });

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
    if (health.paused(Date.now())) {
      if (inFlight === 0) schedule(health.pausedUntil());
      return;
    }
    // After a pause, one message probes the server; the rest follow once it got through.
    const room = health.probing() ? (inFlight === 0 ? 1 : 0) : MAX_IN_FLIGHT - inFlight;
    for (const entry of outbox.due(Date.now(), room)) {
      if (inFlight > 0 && inFlightBytes + entry.size > MAX_IN_FLIGHT_BYTES) break;
      void send(entry);
    }
    if (inFlight === 0) schedule(outbox.nextDueAt());
  }

  /** The next look at the queue, at `at` (none when nothing waits). */
  function schedule(at: number | null): void {
    if (timer) clearTimeout(timer);
    timer = at === null ? null : setTimeout(pump, Math.max(0, at - Date.now()));
    timer?.unref();
  }

  async function send(entry: Entry): Promise<void> {
    outbox.markSending(entry.id, true);
    inFlight++;
    inFlightBytes += entry.size;
    try {
      await deliverOne(entry, { outbox, log, config, health, failures, tellFailure, via: transport!, settings: settings!, stamp: failures.stamp(generation), server });
    } finally {
      outbox.markSending(entry.id, false);
      inFlight--;
      inFlightBytes -= entry.size;
      if (inFlight === 0 && idle) idle();
      pump();
    }
  }


  /** An operator or new settings: a pause is lifted and the queue looked at now. */
  function tryNow(): void {
    health.liftPause();
    pump();
  }

  return {
    start() {
      rebuild();
      effective.onChange(() => {
        rebuild();
        // A fixed password or a new server may succeed where the old settings failed.
        outbox.retryDeferredNow();
        log.info({ server: server(), enabled: settings?.enabled }, 'mail transport rebuilt; deferred messages retry now');
        tryNow();
      });
      sweep = setInterval(() => expireOld(outbox, config.current().relay.maxAgeMs, canSend(), log), EXPIRY_SWEEP_MS);
      sweep.unref();
      pump();
    },
    wake: pump,
    resume: tryNow,
    flush() {
      const count = outbox.retryDeferredNow();
      tryNow();
      return count;
    },
    onFailure(listener) {
      failureListeners.push(listener);
    },
    status: () => ({ ...health.status(), oauth2: settings === null ? null : (tokens.forSettings(settings)?.status() ?? null) }),
    async close() {
      closed = true;
      schedule(null);
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
