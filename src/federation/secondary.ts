/**
 * A secondary's side of the federation: join (pin the primary's certificate, then trade the
 * token for a credential), then hold one Watch stream, apply what arrives when centralized,
 * report ACK/NACK and the result of checking the settings against the mail server.
 */
import * as grpc from '@grpc/grpc-js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { FederationClient } from '../generated/appliance_mail/federation/v1/Federation.js';
import type { ReportRequest } from '../generated/appliance_mail/federation/v1/ReportRequest.js';
import type { SettingsUpdate__Output } from '../generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings, FederationMode, MailServerSettings } from '../settings/schema.js';
import type { CentralizedSettings, Membership } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import { backoffDelayMs, RECONNECT_BACKOFF } from '../util/backoff.js';
import { createConnectionState } from './connection.js';
import { createSettingsChecks, type SettingsCheck, type VerifySettings } from './settings-check.js';
import { decodeSettings } from './settings-wire.js';
import { createReportQueue } from './secondary-reports.js';
import { CALL_DEADLINE_MS, clientFor, credentials, joinPrimary } from './secondary-channel.js';

/** A stream that stayed up this long counts as a success: the next failure starts backoff anew. */
const STABLE_STREAM_MS = 5_000;

export interface SecondaryStatus {
  primary: string;
  connection: string;
  appliedVersion: number;
  appliedAt: string;
  lastHeard: string;
  /** The last check of the applied settings against the mail server, from this node; null before one. */
  verify: SettingsCheck | null;
}

/** The facts a secondary owns in the state: whom it joined, how, and what it last applied. */
export interface FederationFacts {
  readonly membership: Membership | null;
  readonly centralized: CentralizedSettings | null;
}

/** Read side of those facts, for the parts that follow them (effective settings). */
export interface FederationFactsSource {
  facts(): FederationFacts;
  /** Called after every change of the facts, once it is on disk. */
  onChange(listener: (facts: FederationFacts) => void): void;
}

export interface FederationSecondary extends FederationFactsSource {
  start(): Promise<void>;
  close(): Promise<void>;
  join(primary: string, token: string, centralize: boolean): Promise<{ primary: string; mode: string }>;
  setMode(mode: FederationMode): Promise<void>;
  /** Forgets the primary; returns its address. */
  leave(): Promise<string>;
  status(): SecondaryStatus;
}

/**
 * The secondary is the one writer of `membership` and `centralized` in the state; it tells its
 * listeners after each change instead of letting them re-read.
 */
export function createFederationSecondary(deps: { config: LiveConfig; state: StateStore; verifySettings: VerifySettings; log: Logger }): FederationSecondary {
  const { config, state, log } = deps;
  let client: FederationClient | null = null;
  let watch: grpc.ClientReadableStream<SettingsUpdate__Output> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt = 0;
  const connection = createConnectionState();
  let closed = false;
  let generation = 0;
  let applying: Promise<void> = Promise.resolve();
  const checks = createSettingsChecks(deps.verifySettings);
  const listeners: Array<(facts: FederationFacts) => void> = [];

  const facts = (): FederationFacts => ({ membership: state.get().membership, centralized: state.get().centralized });

  /** Writes the facts durably, then tells the listeners. */
  async function change(fn: (next: { membership: Membership | null; centralized: CentralizedSettings | null }) => void): Promise<void> {
    await state.update((s) => fn(s));
    const next = facts();
    for (const listener of listeners) listener(next);
  }

  function stop(): void {
    generation += 1;
    if (retry) clearTimeout(retry);
    retry = null;
    watch?.cancel();
    watch = null;
    client?.close();
    client = null;
  }

  function connect(): void {
    const membership = state.get().membership;
    if (closed || membership === null) return;
    const myGeneration = generation;
    client ??= clientFor(membership);
    const lastApplied = membership.mode === 'centralized' ? (state.get().centralized?.version ?? 0) : 0;
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
      applying = applying.then(() => handleUpdate(update, membership)).catch((err: unknown) => log.error({ err }, 'cannot apply settings'));
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

  /** Sends one Report now; a failure is logged (the primary learns the applied version at the next Watch). */
  async function report(membership: Membership | null, request: ReportRequest): Promise<void> {
    if (!client || membership === null) return;
    try {
      await call(client.Report.bind(client), request, CALL_DEADLINE_MS, credentials(membership));
    } catch (err) {
      log.warn({ version: request.version, stage: request.stage, code: (err as grpc.ServiceError).code }, 'could not report to the primary; it learns the applied version at the next connection');
    }
  }

  const reports = createReportQueue({ send: (request) => report(state.get().membership, request), log });

  async function handleUpdate(update: SettingsUpdate__Output, membership: Membership): Promise<void> {
    const version = Number(update.version);
    const current = state.get().centralized?.version ?? 0;
    if (state.get().membership?.mode !== 'centralized') return;
    if (version <= current) {
      if (version < current) {
        const error = `version ${version} is older than the applied version ${current}`;
        void report(membership, { version: String(version), stage: 'rejected', error });
      }
      return;
    }
    const decoded = decodeSettings(update);
    if ('error' in decoded) {
      log.warn({ version, error: decoded.error }, 'refused settings from the primary');
      reports.refused(version, decoded.error);
      return;
    }
    await applyCentralized(version, decoded.settings);
    log.info({ version, primary: membership.primary }, 'applied settings from the primary');
    // Not awaited: the next version is applied while this one is checked and reported.
    reports.applied(version, checkSettings(version, decoded.settings.mailServer));
  }

  /** Checks settings against the mail server from here; the result goes to status (and to the primary). */
  async function checkSettings(version: number, settings: MailServerSettings): Promise<SettingsCheck> {
    const result = await checks.check(version, settings);
    if (result.outcome === 'failed') log.warn({ version, problem: result.error }, 'settings from the primary do not work from this node');
    else log.info({ version, outcome: result.outcome }, 'settings from the primary checked against the mail server');
    return result;
  }

  function applyCentralized(version: number, settings: FederatedSettings): Promise<void> {
    return change((s) => {
      s.centralized = { version, settings, appliedAt: new Date().toISOString() };
    });
  }

  return {
    facts,
    onChange(listener) {
      listeners.push(listener);
    },

    async start() {
      const { membership, centralized } = facts();
      if (!membership) {
        connection.notJoined();
        return;
      }
      connect();
      // The settings kept across the restart are checked again: the mail server or the network
      // may have changed meanwhile, and status must not stay blank until the next version. Not
      // in `applying` (an update never waits on it) nor awaited by close (it writes nothing).
      if (membership.mode === 'centralized' && centralized !== null) {
        const version = centralized.version;
        void checkSettings(version, centralized.settings.mailServer)
          .then((result) => reports.checked(version, result))
          .catch((err: unknown) => log.error({ err }, 'cannot check the settings held'));
      }
    },

    async close() {
      closed = true;
      stop();
      await applying;
    },

    async join(primary, tokenText, centralize) {
      const existing = state.get().membership;
      if (existing) throw new AppError('AM_ALREADY_JOINED', `this node is already joined to ${existing.primary}`);
      const mode = centralize ? 'centralized' : 'local';
      const membership = await joinPrimary(primary, tokenText, config.current().node.name, mode);
      await change((s) => {
        s.membership = membership;
        s.centralized = null;
      });
      log.info({ primary: membership.primary, mode }, 'joined the primary');
      stop();
      attempt = 0;
      connect();
      return { primary: membership.primary, mode };
    },

    async setMode(mode) {
      const membership = state.get().membership;
      if (!membership) throw new AppError('AM_NOT_JOINED', 'this node has not joined a primary; run appliance-mail join first');
      if (membership.mode === mode) return;
      await change((s) => {
        s.membership = { ...membership, mode };
        // Local settings need none of the primary's, least of all its password.
        if (mode === 'local') s.centralized = null;
      });
      if (mode === 'local') checks.clear();
      log.info({ mode, primary: membership.primary }, 'federation mode changed');
      stop();
      attempt = 0;
      connect();
    },

    async leave() {
      const membership = state.get().membership;
      if (!membership) throw new AppError('AM_NOT_JOINED', 'this node has not joined a primary');
      stop();
      await change((s) => {
        s.membership = null;
        s.centralized = null;
      });
      checks.clear();
      connection.notJoined();
      log.info({ primary: membership.primary }, 'left the primary');
      return membership.primary;
    },

    status() {
      const { membership, centralized } = facts();
      const { connection: link, lastHeard } = connection.view();
      return {
        primary: membership?.primary ?? '',
        connection: membership ? link : 'not joined',
        appliedVersion: centralized?.version ?? 0,
        appliedAt: centralized?.appliedAt ?? '',
        lastHeard,
        verify: checks.last(),
      };
    },
  };
}
