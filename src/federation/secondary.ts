/**
 * A secondary's side of the federation: join (pin the primary's certificate, then trade the
 * token for a credential), then hold one Watch stream, apply what arrives when centralized,
 * report ACK/NACK and the result of checking the settings against the mail server. This file
 * holds the node's facts (membership, applied settings) and wires the parts:
 * - secondary-channel.ts: the channel to the primary and the join;
 * - secondary-watch.ts: the Watch stream and its reconnects;
 * - secondary-apply.ts: an update refused or applied, checked and reported (secondary-reports.ts).
 */
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { FederationMode } from '../settings/schema.js';
import type { CentralizedSettings, Membership } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { createConnectionState, type ConnectionView } from './connection.js';
import { createSettingsChecks, type SettingsCheck, type VerifySettings } from './settings-check.js';
import { createUpdateHandler } from './secondary-apply.js';
import { joinPrimary } from './secondary-channel.js';
import { createWatchLoop } from './secondary-watch.js';

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
  const connection = createConnectionState();
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

  const updates = createUpdateHandler({
    state,
    checks,
    report: (request) => loop.report(request),
    applyCentralized: (version, settings) =>
      change((s) => {
        s.centralized = { version, settings, appliedAt: new Date().toISOString() };
      }),
    log,
  });
  const loop = createWatchLoop({
    connection,
    log,
    membership: () => state.get().membership,
    position: (membership) => (membership.mode === 'centralized' ? { lastApplied: state.get().centralized?.version ?? 0, refused: updates.refused(membership) } : { lastApplied: 0, refused: null }),
    onUpdate(update) {
      applying = applying.then(() => updates.handle(update)).catch((err: unknown) => log.error({ err }, 'cannot apply settings'));
    },
  });

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
      loop.connect();
      // The settings kept across the restart are checked again: the mail server or the network
      // may have changed meanwhile, and status must not stay blank until the next version. Not
      // in `applying` (an update never waits on it) nor awaited by close (it writes nothing).
      if (membership.mode === 'centralized' && centralized !== null) {
        void updates.checkHeld(centralized.version, centralized.settings.mailServer).catch((err: unknown) => log.error({ err }, 'cannot check the settings held'));
      }
    },

    async close() {
      loop.close();
      await applying;
    },

    async join(primary, tokenText, centralize) {
      const existing = state.get().membership;
      if (existing) throw new AppError('AM_ALREADY_JOINED', `this node is already joined to ${existing.primary}`);
      const mode = centralize ? 'centralized' : 'local';
      const { membership, client } = await joinPrimary(primary, tokenText, config.current().node.name, mode);
      try {
        await change((s) => {
          s.membership = membership;
          s.centralized = null;
        });
      } catch (err) {
        client.close();
        throw err;
      }
      log.info({ primary: membership.primary, mode }, 'joined the primary');
      loop.stop();
      loop.connect({ client, membership });
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
      loop.stop();
      loop.connect();
    },

    async leave() {
      const membership = state.get().membership;
      if (!membership) throw new AppError('AM_NOT_JOINED', 'this node has not joined a primary');
      loop.stop();
      await change((s) => {
        s.membership = null;
        s.centralized = null;
      });
      checks.clear();
      connection.notJoined();
      log.info({ primary: membership.primary }, 'left the primary');
      return membership.primary;
    },

    status: () => statusOf(facts(), connection.view(), checks.last()),
  };
}

function statusOf(facts: FederationFacts, view: ConnectionView, verify: SettingsCheck | null): SecondaryStatus {
  const { membership, centralized } = facts;
  return {
    primary: membership?.primary ?? '',
    connection: membership ? view.connection : 'not joined',
    appliedVersion: centralized?.version ?? 0,
    appliedAt: centralized?.appliedAt ?? '',
    lastHeard: view.lastHeard,
    verify,
  };
}
