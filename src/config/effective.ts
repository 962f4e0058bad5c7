/**
 * The effective mail settings of this node, the one thing the relay reads. Primary, standalone
 * and local secondaries: the config file. Centralized secondary: the primary's last settings,
 * kept in state across outages and restarts; its own mailServer section is then read-only.
 * It writes nothing: it follows the config file and the secondary's facts through their events.
 */
import type { Config } from './load.js';
import type { LiveConfig } from './live-config.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings, FederationMode, MailServerSettings } from '../settings/schema.js';
import { settingsDigest } from '../settings/view.js';

export type NodeMode = 'primary' | 'standalone' | 'local' | 'centralized';

/**
 * The facts a secondary owns in the state (whom it joined, how, and what it last applied), as far
 * as the effective settings need them: the secondary's state records fit this shape, and nothing
 * more of them (the credential, the pinned certificate) reaches this module.
 */
export interface FederationFacts {
  readonly membership: { readonly primary: string; readonly mode: FederationMode } | null;
  readonly centralized: { readonly version: number; readonly settings: FederatedSettings } | null;
}

/** Read side of those facts, for the parts that follow them (effective settings). */
export interface FederationFactsSource {
  facts(): FederationFacts;
  /** Called after every change of the facts, once it is on disk. */
  onChange(listener: (facts: FederationFacts) => void): void;
}

/** The settings in force at one moment: what `EffectiveSettings.current()` returns. */
export interface EffectiveSnapshot {
  readonly mailServer: MailServerSettings;
  readonly recipients: readonly string[];
  /**
   * Where digests link to. The Portal lives on the primary: a centralized node takes the
   * primary's portal.address; every other node its own.
   */
  readonly portalAddress: string | null;
  /** In words, for status: "config file /etc/...", "primary 10.0.0.1:7443, version 7". */
  readonly source: string;
  /** Changes whenever anything above changes; the relay rebuilds its transport on it. */
  readonly digest: string;
}

/** The settings in force, followed live: the one source the relay, notifications and status read. */
export interface EffectiveSettings {
  current(): EffectiveSnapshot;
  mode(): NodeMode;
  /** Set while a centralized node's own mailServer edits are being ignored. */
  readOnlyNotice(): string | null;
  onChange(listener: (next: EffectiveSnapshot) => void): void;
}

const NO_FEDERATION: FederationFacts = { membership: null, centralized: null };

/** The node's mode from its role and membership. */
export function nodeMode(config: Config, facts: FederationFacts): NodeMode {
  if (config.node.role === 'primary') return 'primary';
  return facts.membership?.mode ?? 'standalone';
}

/** The settings in force for a config and the secondary's facts. */
export function computeEffective(config: Config, facts: FederationFacts): EffectiveSnapshot {
  const { membership, centralized } = facts;
  if (nodeMode(config, facts) === 'centralized' && membership !== null) {
    if (centralized !== null) {
      return withDigest({
        mailServer: centralized.settings.mailServer,
        recipients: centralized.settings.recipients,
        portalAddress: centralized.settings.portalAddress,
        source: `primary ${membership.primary}, version ${centralized.version}`,
      });
    }
    // Joined centralized but nothing received yet: no mail until the primary's settings arrive,
    // rather than mail through settings the operator chose to hand over.
    return withDigest({
      mailServer: { ...config.mailServer, enabled: false },
      recipients: [],
      portalAddress: null,
      source: `primary ${membership.primary}: no settings received yet`,
    });
  }
  return withDigest({
    mailServer: config.mailServer,
    recipients: config.notifications.recipients,
    portalAddress: config.portal.address,
    source: `config file ${config.file}`,
  });
}

/** `federation` is the secondary's facts; null on a primary, which follows its file only. */
export function createEffectiveSettings(config: LiveConfig, federation: FederationFactsSource | null, log: Logger): EffectiveSettings {
  const listeners: Array<(next: EffectiveSnapshot) => void> = [];
  let facts = federation?.facts() ?? NO_FEDERATION;
  let notice: string | null = null;
  let effective = computeEffective(config.current(), facts);

  const mode = () => nodeMode(config.current(), facts);

  function update(): void {
    const next = computeEffective(config.current(), facts);
    const changed = next.digest !== effective.digest;
    effective = next;
    if (changed) for (const listener of listeners) listener(next);
  }

  config.onChange((next: Config, previous: Config) => {
    if (mode() === 'centralized' && settingsDigest(next.mailServer) !== settingsDigest(previous.mailServer)) {
      const primary = facts.membership?.primary ?? 'the primary';
      notice = `the mailServer section of ${next.file} is read-only while this node is centralized; its settings come from primary ${primary} (edit them there, or run 'appliance-mail local')`;
      log.warn({ file: next.file, primary }, notice);
    }
    update();
  });

  federation?.onChange((next) => {
    facts = next;
    if (mode() !== 'centralized') notice = null;
    update();
  });

  return {
    current: () => effective,
    mode,
    readOnlyNotice: () => (mode() === 'centralized' ? notice : null),
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

function withDigest(value: Omit<EffectiveSnapshot, 'digest'>): EffectiveSnapshot {
  return Object.freeze({ ...value, digest: settingsDigest([value.mailServer, value.recipients, value.portalAddress, value.source]) });
}
