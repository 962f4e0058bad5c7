/**
 * One message's way out of the outbox: read back behind its From line, sent, and its outcome
 * recorded (sent, a dead letter for refused recipients, or a failure for delivery-failure.ts);
 * and the sweep that expires mail that could not even be tried.
 */
import type { LiveConfig } from '../config/live-config.js';
import type { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { MailServerSettings } from '../settings/schema.js';
import { classify, withHint, type SmtpFailureClass } from './classify.js';
import type { FailureHandling, SendStamp } from './delivery-failure.js';
import type { ServerHealth } from './delivery-health.js';
import type { Entry, Outbox } from './outbox.js';
import { fromHeaderLine } from './render.js';
import { toSmtpError } from './smtp-error.js';
import type { SmtpSender } from './smtp-sender.js';

export interface SendContext {
  outbox: Outbox;
  log: Logger;
  config: LiveConfig;
  health: ServerHealth;
  failures: FailureHandling;
  tellFailure: (failure: SmtpFailureClass) => void;
  via: SmtpSender;
  settings: MailServerSettings;
  stamp: SendStamp;
  server: () => string;
}

/** Sends one message with the settings in force and records what became of it. */
export async function deliverOne(entry: Entry, ctx: SendContext): Promise<void> {
  const { outbox, log, config, health } = ctx;
  const { id } = entry;
  const sender = ctx.settings.sender ?? '';
  const sentTo = ctx.server();
  try {
    const raw = await readWithFrom(outbox, entry, sender, { log, retryMinMs: config.current().relay.retryMinMs });
    if (raw === null) return;
    const info = await ctx.via.send({ envelope: { from: sender, to: entry.to }, raw });
    if (!info.ok) throw info.error ?? { message: 'the SMTP worker gave no reason' };
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      const refusals = (info.rejectedErrors ?? []).map((e) => classify(e, ctx.settings));
      ctx.tellFailure(refusals[0]?.class ?? '5xx');
      const reason = refusals.map(withHint).join('; ') || 'refused by the mail server';
      await outbox.markDead(id, `delivered to ${entry.to.length - rejected.length} of ${entry.to.length} recipients; refused: ${reason}`, rejected);
      health.noteError(`recipients refused: ${reason}`, ctx.server());
    } else {
      await outbox.markSent(id);
    }
    ctx.failures.succeeded();
    health.noteDelivery(sentTo);
    log.debug({ id, kind: entry.kind, response: info.response }, 'delivered');
  } catch (err) {
    // A send that failed, or (rarely) an outbox write that did: both are a failed attempt.
    await ctx.failures.fail(entry, toSmtpError(err), ctx.stamp).catch((writeErr: unknown) => {
      log.error({ err: writeErr, id }, 'cannot record a delivery failure; the message will be tried again later');
      outbox.postpone(id, Date.now() + config.current().relay.retryMinMs);
    });
  }
}

/**
 * The stored message behind a From line for the sender in force (read into one buffer: no
 * copy). A damaged message becomes a dead letter; a read that fails otherwise is tried later.
 */
async function readWithFrom(outbox: Outbox, entry: Entry, sender: string, deps: { log: Logger; retryMinMs: number }): Promise<Buffer | null> {
  const from = fromHeaderLine(sender);
  try {
    const raw = await outbox.readMessage(entry, from.length);
    from.copy(raw, 0);
    return raw;
  } catch (err) {
    if ((err as AppError).code === 'AM_OUTBOX_CORRUPT') {
      deps.log.error({ err, id: entry.id }, 'a stored message is damaged; moved to dead letters');
      await outbox.markDead(entry.id, (err as Error).message).catch(() => undefined);
    } else {
      deps.log.error({ err, id: entry.id }, 'cannot read a stored message; it will be tried again later');
      outbox.postpone(entry.id, Date.now() + deps.retryMinMs);
    }
    return null;
  }
}

/** Mail older than relay.maxAge that is not being sent becomes a dead letter, saying why. */
export function expireOld(outbox: Outbox, maxAgeMs: number, canSend: boolean, log: Logger): void {
  for (const entry of outbox.waitingSince(Date.now() - maxAgeMs)) {
    const why = canSend ? `last error: ${entry.lastError ?? 'none'}` : 'the mail server was disabled';
    void outbox.markDead(entry.id, `expired: not delivered within relay.maxAge; ${why}`).catch((err: unknown) => log.error({ err }, 'cannot expire a message'));
  }
}
