/**
 * What delivery knows of the mail server's health: the last error and the one before, the last
 * delivery, and the pause. A mail server that cannot be reached (refused, timed out, TLS or AUTH
 * failing) fails every message alike: deliveries pause until a time instead of failing the whole
 * queue one by one, as Postfix marks a dead destination. Messages stay queued meanwhile; nothing
 * is written for them.
 */
import { backoffDelayMs, type BackoffPolicy } from '../util/backoff.js';

export interface DeliveryError {
  message: string;
  at: string;
  server: string;
}

export interface ServerHealth {
  /** Whether deliveries wait (until pausedUntil()). */
  paused(now: number): boolean;
  pausedUntil(): number;
  /** After a pause, until a delivery got through: one message probes the server at a time. */
  probing(): boolean;
  /** Pauses deliveries, unless a pause is in force (the others in flight failed for the same reason). */
  pause(policy: BackoffPolicy): { until: number; extended: boolean };
  /** An operator or new settings: try now. */
  liftPause(): void;
  noteError(message: string, server: string): void;
  /** A delivery got through: the pause is over and an error from the same server is history. */
  noteDelivery(server: string): void;
  /** For status: the errors, the last delivery and the pause (RFC 3339 times). */
  status(): { lastError: DeliveryError | null; previousError: DeliveryError | null; lastDelivery: { at: string; server: string } | null; pausedUntil: string | null };
}

export function createServerHealth(): ServerHealth {
  let pausedUntil = 0;
  let pauseCount = 0;
  let lastError: DeliveryError | null = null;
  let previousError: DeliveryError | null = null;
  let lastDelivery: { at: string; server: string } | null = null;
  return {
    paused: (now) => now < pausedUntil,
    pausedUntil: () => pausedUntil,
    probing: () => pauseCount > 0,
    pause(policy) {
      if (Date.now() < pausedUntil) return { until: pausedUntil, extended: false };
      pausedUntil = Date.now() + backoffDelayMs(pauseCount++, policy);
      return { until: pausedUntil, extended: true };
    },
    liftPause() {
      pausedUntil = 0;
      pauseCount = 0;
    },
    noteError(message, server) {
      if (lastError) previousError = lastError;
      lastError = { message, at: new Date().toISOString(), server };
    },
    noteDelivery(server) {
      pauseCount = 0;
      lastDelivery = { at: new Date().toISOString(), server };
      if (lastError && lastError.server === server) {
        previousError = lastError;
        lastError = null;
      }
    },
    status() {
      const paused = Date.now() < pausedUntil ? new Date(pausedUntil).toISOString() : null;
      return { lastError: lastError && paused ? { ...lastError, message: `${lastError.message}; deliveries paused until ${paused}` } : lastError, previousError, lastDelivery, pausedUntil: paused };
    },
  };
}
