/**
 * A secondary's Watch stream to its primary: one stream at a time, opened with what the node last
 * applied, its updates handed on in order of arrival, and opened again after it ends (backoff
 * between attempts, reset by a stream that stayed up). The connection state (connection.ts)
 * follows it for status.
 */
import * as grpc from '@grpc/grpc-js';
import type { FederationClient } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { Logger } from '../log/logger.js';
import type { Membership } from '../state/schema.js';
import { backoffDelayMs, RECONNECT_BACKOFF } from '../util/backoff.js';
import { fromServiceError } from '../util/grpc-errors.js';
import type { ConnectionState } from './connection.js';
import { clientFor, credentials } from './secondary-channel.js';

/** A stream that stayed up this long counts as a success: the next failure starts backoff anew. */
const STABLE_STREAM_MS = 5_000;

export interface WatchLoop {
  /** Opens the stream to the primary the node joined (none when it did not); a no-op once closed. */
  connect(): void;
  /** Ends the stream and the client, and forgets a pending reconnect; backoff starts anew. */
  stop(): void;
  /** The client of the current primary, for Reports; null while stopped. */
  client(): FederationClient | null;
  /** Stops for good (the daemon stops). */
  close(): void;
}

/**
 * `membership` and `lastApplied` are read at each (re)connect; `onUpdate` gets every update of
 * the current stream, never one of a stream already stopped.
 */
export function createWatchLoop(deps: {
  connection: ConnectionState;
  log: Logger;
  membership: () => Membership | null;
  /** The version the Watch says the node applied. */
  lastApplied: (membership: Membership) => number;
  onUpdate: (update: SettingsUpdate__Output, membership: Membership) => void;
}): WatchLoop {
  const { connection, log } = deps;
  let client: FederationClient | null = null;
  let watch: grpc.ClientReadableStream<SettingsUpdate__Output> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt = 0;
  let closed = false;
  /** Bumped by stop(): events of an older stream are ignored. */
  let generation = 0;

  function stop(): void {
    generation += 1;
    attempt = 0;
    if (retry) clearTimeout(retry);
    retry = null;
    watch?.cancel();
    watch = null;
    client?.close();
    client = null;
  }

  function connect(): void {
    const membership = deps.membership();
    if (closed || membership === null) return;
    const myGeneration = generation;
    const lastApplied = deps.lastApplied(membership);
    client ??= clientFor(membership);
    connection.connecting();
    const startedAt = Date.now();
    const stream = client.Watch({ mode: membership.mode, last_applied_version: String(lastApplied) }, credentials(membership));
    watch = stream;
    // The primary sends its response headers as soon as it has admitted the Watch.
    stream.on('metadata', () => {
      if (myGeneration !== generation) return;
      connection.heard();
      log.info({ primary: membership.primary, mode: membership.mode, lastApplied }, 'connected to primary');
    });
    stream.on('data', (update: SettingsUpdate__Output) => {
      if (myGeneration !== generation) return;
      connection.heard();
      attempt = 0;
      deps.onUpdate(update, membership);
    });
    // 'status' comes exactly once per call, whether it ended with an error or not; 'error' and
    // 'end' may both fire, so they must not each schedule a reconnect.
    stream.on('error', () => undefined);
    stream.on('status', (status: grpc.StatusObject) => {
      if (myGeneration !== generation || closed) return;
      watch = null;
      const reason =
        status.code === grpc.status.OK
          ? null
          : fromServiceError(Object.assign(new Error(status.details), status) as grpc.ServiceError, {
              code: 'AM_PRIMARY_UNREACHABLE',
              message: `primary ${membership.primary} unreachable`,
            });
      const why = reason ? `${reason.message} [${reason.code}]` : 'the primary closed the stream';
      connection.ended(why);
      if (Date.now() - startedAt > STABLE_STREAM_MS) attempt = 0;
      const delay = backoffDelayMs(attempt, RECONNECT_BACKOFF);
      attempt += 1;
      log.warn({ primary: membership.primary, code: reason?.code, retryInMs: delay }, `disconnected: ${why}`);
      retry = setTimeout(connect, delay);
      retry.unref();
    });
  }

  return {
    connect,
    stop,
    client: () => client,
    close() {
      closed = true;
      stop();
    },
  };
}
