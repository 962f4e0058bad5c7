/**
 * A secondary's stream to its primary: one at a time, opened with what the node last applied and
 * refused, its updates handed on in order of arrival, and opened again after it ends (backoff
 * between attempts, reset by a stream that stayed up). The connection state (connection.ts)
 * follows it for status.
 *
 * The stream is a Session: the node's Reports travel on it, after its opening WatchRequest. A
 * primary that has no Session (an older one) answers UNIMPLEMENTED: the node then opens a Watch
 * at once and makes a Report call per report, until that stream ends; the next attempt tries a
 * Session again, so a primary upgraded meanwhile gets one.
 */
import * as grpc from '@grpc/grpc-js';
import type { FederationClient } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { ReportReply__Output } from '../generated/appliance_mail/federation/v1/ReportReply.js';
import type { SessionRequest } from '../generated/appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { WatchRequest } from '../generated/appliance_mail/federation/v1/WatchRequest.js';
import type { Logger } from '../log/logger.js';
import type { Membership } from '../state/schema.js';
import { backoffDelayMs, RECONNECT_BACKOFF } from '../util/backoff.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import type { ConnectionState } from './connection.js';
import { CALL_DEADLINE_MS, clientFor, credentials } from './secondary-channel.js';

/** A stream that stayed up this long counts as a success: the next failure starts backoff anew. */
const STABLE_STREAM_MS = 5_000;

/** Where the node stands, said when its stream opens. */
export interface NodePosition {
  lastApplied: number;
  /** The newest version refused since `lastApplied`, and why; null when none. */
  refused: { version: number; error: string } | null;
}

export interface WatchLoop {
  /**
   * Opens the stream to the primary the node joined (none when it did not); a no-op once closed.
   * `joined`: the channel a Join went over and the membership it gave, used instead of a new
   * channel when that is still the node's membership; closed otherwise.
   */
  connect(joined?: { client: FederationClient; membership: Membership }): void;
  /** Ends the stream and the client, and forgets a pending reconnect; backoff starts anew. */
  stop(): void;
  /**
   * Sends a Report on the current Session (a Report call to a primary without Session). Without
   * a stream it is not sent: the next one states what was applied and refused. Never throws; a
   * failed Report call is logged.
   */
  report(request: ReportRequest): Promise<void>;
  /** Stops for good (the daemon stops). */
  close(): void;
}

/** Whether the node's membership is still the one a Join gave (its credential, its primary). */
function sameJoin(current: Membership | null, joined: Membership): boolean {
  return current !== null && current.credential === joined.credential && current.primary === joined.primary;
}

type Stream = grpc.ClientDuplexStream<SessionRequest, SettingsUpdate__Output> | grpc.ClientReadableStream<SettingsUpdate__Output>;

/**
 * `membership` and `position` are read at each (re)connect; `onUpdate` gets every update of the
 * current stream, never one of a stream already stopped.
 */
export function createWatchLoop(deps: {
  connection: ConnectionState;
  log: Logger;
  membership: () => Membership | null;
  position: (membership: Membership) => NodePosition;
  onUpdate: (update: SettingsUpdate__Output, membership: Membership) => void;
}): WatchLoop {
  const { connection, log } = deps;
  let client: FederationClient | null = null;
  let current: { stream: Stream; session: boolean; membership: Membership } | null = null;
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
    current?.stream.cancel();
    current = null;
    client?.close();
    client = null;
  }

  /** Opens a Session, or a Watch after a primary said it has no Session (`watchOnly`). */
  function connect(watchOnly = false): void {
    const membership = deps.membership();
    if (closed || membership === null) return;
    const myGeneration = generation;
    const { lastApplied, refused } = deps.position(membership);
    const watch: WatchRequest = { mode: membership.mode, last_applied_version: String(lastApplied), refused_version: String(refused?.version ?? 0), refused_error: refused?.error ?? '' };
    client ??= clientFor(membership);
    connection.connecting();
    const startedAt = Date.now();
    let stream: Stream;
    if (watchOnly) stream = client.Watch(watch, credentials(membership));
    else {
      const session = client.Session(credentials(membership));
      session.write({ watch });
      stream = session;
    }
    current = { stream, session: !watchOnly, membership };
    // The primary sends its response headers as soon as it has admitted the stream.
    stream.on('metadata', () => {
      if (myGeneration !== generation) return;
      connection.heard();
      log.info({ primary: membership.primary, mode: membership.mode, lastApplied, ...(refused ? { refused: refused.version } : {}), stream: watchOnly ? 'watch' : 'session' }, 'connected to primary');
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
      current = null;
      if (!watchOnly && status.code === grpc.status.UNIMPLEMENTED) {
        log.info({ primary: membership.primary }, 'the primary has no Session (an older version): watching, and reporting by calls');
        connect(true);
        return;
      }
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
      retry = setTimeout(() => connect(), delay);
      retry.unref();
    });
  }

  async function report(request: ReportRequest): Promise<void> {
    const open = current;
    if (open === null || client === null) {
      log.debug({ version: request.version, stage: request.stage }, 'no stream to the primary: the report is stated again when one opens');
      return;
    }
    if (open.session) {
      (open.stream as grpc.ClientDuplexStream<SessionRequest, SettingsUpdate__Output>).write({ report: request });
      return;
    }
    try {
      await call<ReportRequest, ReportReply__Output>(client.Report.bind(client), request, CALL_DEADLINE_MS, credentials(open.membership));
    } catch (err) {
      log.warn({ version: request.version, stage: request.stage, code: (err as grpc.ServiceError).code }, 'could not report to the primary; it learns the applied version at the next connection');
    }
  }

  return {
    connect(joined) {
      if (joined && client === null && !closed && sameJoin(deps.membership(), joined.membership)) client = joined.client;
      else joined?.client.close();
      connect();
    },
    stop,
    report,
    close() {
      closed = true;
      stop();
    },
  };
}
