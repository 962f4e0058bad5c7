/**
 * What a failed send does to its message, from what classify() decided: try again now, back off,
 * pause the server, or a dead letter (refused for good, or expired).
 */
import type { LiveConfig } from '../config/live-config.js';
import type { Logger } from '../log/logger.js';
import type { OAuth2Tokens } from '../oauth2/token-source.js';
import type { MailServerSettings } from '../settings/schema.js';
import { backoffDelayMs } from '../util/backoff.js';
import { classify, withHint, type Classified, type SmtpFailureClass } from './classify.js';
import type { ServerHealth } from './delivery-health.js';
import type { Entry, Outbox } from './outbox.js';
import type { SmtpError } from './smtp-error.js';

/** What a send started with, to judge its failure by. */
export interface SendStamp {
  /** The settings' generation: a failure with settings no longer in force says nothing of the new ones. */
  generation: number;
  /** The OAuth2 token epoch: a send that started before a refused token was dropped simply goes again. */
  tokenEpoch: number;
}

export interface FailureHandling {
  stamp(generation: number): SendStamp;
  /** A send got through: the next token refusal is a first one again. */
  succeeded(): void;
  fail(entry: Entry, error: SmtpError, stamp: SendStamp): Promise<void>;
}

export function createFailureHandling(deps: {
  outbox: Outbox;
  config: LiveConfig;
  tokens: OAuth2Tokens;
  log: Logger;
  health: ServerHealth;
  settings: () => MailServerSettings | null;
  generation: () => number;
  server: () => string;
  tellFailure: (failure: SmtpFailureClass) => void;
}): FailureHandling {
  const { outbox, config, tokens, log, health } = deps;
  /**
   * OAuth2: bumped each time a refused token (535) is discarded. A send that started before the
   * latest discard failed with the old token and is tried again at once, as is the first refusal
   * of a streak (a token revoked or rotated at the provider before it expired); nodemailer renews
   * by itself only where the server asks for it (Google's 334 challenge), not on a plain 535.
   */
  let tokenEpoch = 0;
  let refusalRetried = false;

  /** A refused OAuth2 token is dropped once per refusal; a second refusal in a row pauses. */
  function judgeTokenRefusal(failure: Classified, error: SmtpError, stamp: SendStamp): Classified {
    if (failure.retry !== 'now' || stamp.tokenEpoch !== tokenEpoch) return failure;
    const settings = deps.settings()!;
    tokens.forSettings(settings)?.discard();
    tokenEpoch++;
    const judged = refusalRetried ? classify(error, settings, { tokenRenewed: true }) : failure;
    refusalRetried = true;
    return judged;
  }

  async function fail(entry: Entry, error: SmtpError, stamp: SendStamp): Promise<void> {
    const id = entry.id;
    const classified = classify(error, deps.settings());
    deps.tellFailure(classified.class);
    const reason = withHint(classified);
    if (stamp.generation !== deps.generation()) {
      // Failed with settings that are no longer in force: try again at once with the new ones.
      await outbox.markDeferred(id, reason, Date.now());
      return;
    }
    const failure = judgeTokenRefusal(classified, error, stamp);
    if (failure.retry === 'now') {
      log.info({ id, reason }, 'the mail server refused the OAuth2 token; trying once more with a new one');
      await outbox.markDeferred(id, reason, Date.now());
      return;
    }
    health.noteError(reason, deps.server());
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
    if (failure.retry === 'pause') {
      const pause = health.pause(policy);
      if (pause.extended) log.warn({ server: deps.server(), reason, pausedUntil: new Date(pause.until).toISOString() }, 'mail server unreachable; deliveries paused');
    }
    const nextAt = Math.max(health.pausedUntil(), Date.now() + backoffDelayMs(entry.attempts, policy));
    await outbox.markDeferred(id, reason, nextAt);
    log.info({ id, attempts: entry.attempts, retryInMs: nextAt - Date.now(), reason }, 'delivery deferred');
  }

  return {
    stamp: (generation) => ({ generation, tokenEpoch }),
    succeeded() {
      refusalRetried = false;
    },
    fail,
  };
}
