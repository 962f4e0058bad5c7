/**
 * The effective mail settings of this node, the one thing the relay reads. Primary, standalone
 * and local secondaries: the config file. Centralized secondary: the primary's last settings,
 * kept in state across outages and restarts; its own mailServer section is then read-only.
 */
import type { Config } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import { settingsDigest, type MailServerSettings } from '../config/settings.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings } from '../state/schema.js';
import type { StateStore } from '../state/store.js';

export type NodeMode = 'primary' | 'standalone' | 'local' | 'centralized';

export interface Effective {
  readonly mailServer: MailServerSettings;
  readonly recipients: readonly string[];
  /** In words, for status: "config file /etc/...", "primary 10.0.0.1:7443, version 7". */
  readonly source: string;
  /** Changes whenever anything above changes; the relay rebuilds its transport on it. */
  readonly digest: string;
}

export interface EffectiveSettings {
  current(): Effective;
  mode(): NodeMode;
  /** Set while a centralized node's own mailServer edits are being ignored. */
  readOnlyNotice(): string | null;
  /** Stores settings received from the primary (durably) and makes them effective. */
  applyCentralized(version: number, settings: FederatedSettings): Promise<void>;
  /** Re-reads mode and settings after membership changed (join, centralize, local, leave). */
  refresh(): void;
  onChange(listener: (next: Effective) => void): void;
}

export function createEffectiveSettings(config: LiveConfig, state: StateStore, log: Logger): EffectiveSettings {
  const listeners: Array<(next: Effective) => void> = [];
  let notice: string | null = null;
  let effective = compute();

  function mode(): NodeMode {
    const membership = state.get().membership;
    if (config.current().node.role === 'primary') return 'primary';
    if (membership === null) return 'standalone';
    return membership.mode;
  }

  function compute(): Effective {
    const file = config.current();
    const stored = state.get();
    if (mode() === 'centralized' && stored.centralized !== null && stored.membership !== null) {
      const { version, settings } = stored.centralized;
      return withDigest({
        mailServer: settings.mailServer,
        recipients: settings.recipients,
        source: `primary ${stored.membership.primary}, version ${version}`,
      });
    }
    if (mode() === 'centralized' && stored.membership !== null) {
      // Joined centralized but nothing received yet: no mail until the primary's settings arrive,
      // rather than mail through settings the operator chose to hand over.
      return withDigest({
        mailServer: { ...file.mailServer, enabled: false },
        recipients: [],
        source: `primary ${stored.membership.primary}: no settings received yet`,
      });
    }
    return withDigest({ mailServer: file.mailServer, recipients: file.notifications.recipients, source: `config file ${file.file}` });
  }

  function update(): void {
    const next = compute();
    if (next.digest === effective.digest) {
      effective = next;
      return;
    }
    effective = next;
    for (const listener of listeners) listener(next);
  }

  config.onChange((next: Config, previous: Config) => {
    if (mode() === 'centralized' && settingsDigest(next.mailServer) !== settingsDigest(previous.mailServer)) {
      const primary = state.get().membership?.primary ?? 'the primary';
      notice = `the mailServer section of ${next.file} is read-only while this node is centralized; its settings come from primary ${primary} (edit them there, or run 'appliance-mail local')`;
      log.warn({ file: next.file, primary }, notice);
    }
    update();
  });

  return {
    current: () => effective,
    mode,
    readOnlyNotice: () => (mode() === 'centralized' ? notice : null),
    async applyCentralized(version, settings) {
      await state.update((s) => {
        s.centralized = { version, settings, appliedAt: new Date().toISOString() };
      });
      update();
    },
    refresh() {
      if (mode() !== 'centralized') notice = null;
      update();
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}

function withDigest(value: Omit<Effective, 'digest'>): Effective {
  return Object.freeze({ ...value, digest: settingsDigest([value.mailServer, value.recipients, value.source]) });
}
