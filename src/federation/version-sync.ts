/**
 * The primary's settings version: the federated part of its config (mail server, recipients,
 * portal address), a version that goes up whenever that part changes (on disk before any node
 * sees it), and the one encoded message of each version, serialized once and written as the same
 * bytes to every stream (see `watchServerService` in proto.ts).
 */
import type { LiveConfig } from '../config/live-config.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings } from '../settings/schema.js';
import { settingsDigest } from '../settings/view.js';
import type { StateStore } from '../state/store.js';
import { encodeSettingsUpdate } from './proto.js';
import { encodeSettings } from './settings-wire.js';

/** A settings version, and the configuration (by its version) whose federated settings it holds. */
export interface SyncResult {
  version: number;
  configVersion: string;
  /** The version was bumped by this sync. */
  changed: boolean;
}

export interface VersionSync {
  /** The version on disk (0 before the first sync). */
  version(): number;
  /**
   * Bumps the version when the federated settings changed since the last one. Says which
   * configuration the version's settings were read from: the one in force when sync was called,
   * not whatever is in force by the time it resolves (a second edit a moment later).
   */
  sync(): Promise<SyncResult>;
  /** The encoded SettingsUpdate of the current version: built at most once per version. */
  encoded(): Buffer;
}

export function createVersionSync(deps: { config: LiveConfig; state: StateStore; log: Logger }): VersionSync {
  const { config, state, log } = deps;
  let built: { version: number; bytes: Buffer } | null = null;
  const version = () => state.get().primary?.settingsVersion ?? 0;

  const encode = (v: number, settings: FederatedSettings) => encodeSettingsUpdate(encodeSettings(v, settings, config.current().node.name));

  function published(current = config.current()): FederatedSettings {
    return { mailServer: current.mailServer, recipients: [...current.notifications.recipients], portalAddress: current.portal.address };
  }

  /**
   * The configuration is read when sync is called; the comparison and the bump wait for the syncs
   * before it. Unchained, an edit arriving while the previous version is still being written would
   * compare against the digest before it: an edit back to the earlier settings would be taken for
   * no change (the fleet kept on the previous edit's), or an unrelated edit bump a second version.
   */
  let chain: Promise<unknown> = Promise.resolve();

  async function syncFrom(current: Config): Promise<SyncResult> {
    const settings = published(current);
    const digest = settingsDigest(settings);
    // Unchanged: the version in force holds these same settings, so it was taken from this config too.
    if (state.get().primary?.settingsDigest === digest) return { version: version(), configVersion: current.version, changed: false };
    let bumped = 0;
    await state.update((s) => {
      s.primary ??= { settingsVersion: 0, settingsDigest: null, tokens: [], nodes: {} };
      s.primary.settingsVersion += 1;
      s.primary.settingsDigest = digest;
      bumped = s.primary.settingsVersion;
    });
    // The bytes of this version are the settings its digest was taken of, whatever the config
    // says by the time a stream needs them.
    built = { version: bumped, bytes: encode(bumped, settings) };
    log.info({ version: bumped }, 'federated settings changed; new version');
    return { version: bumped, configVersion: current.version, changed: true };
  }

  return {
    version,
    sync() {
      const current = config.current();
      const run = chain.then(() => syncFrom(current));
      chain = run.catch(() => undefined);
      return run;
    },
    encoded() {
      const current = version();
      if (built?.version !== current) built = { version: current, bytes: encode(current, published()) };
      return built.bytes;
    },
  };
}
