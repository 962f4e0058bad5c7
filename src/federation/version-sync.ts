/**
 * The primary's settings version: the federated part of its config (mail server, recipients,
 * portal address), a version that goes up whenever that part changes (on disk before any node
 * sees it), and the one encoded message of each version, serialized once and written as the same
 * bytes to every stream (see `watchServerService` in proto.ts).
 */
import type { LiveConfig } from '../config/live-config.js';
import type { Logger } from '../log/logger.js';
import type { FederatedSettings } from '../settings/schema.js';
import { settingsDigest } from '../settings/view.js';
import type { StateStore } from '../state/store.js';
import { encodeSettingsUpdate } from './proto.js';
import { encodeSettings } from './settings-wire.js';

export interface VersionSync {
  /** The version on disk (0 before the first sync). */
  version(): number;
  /** Bumps the version when the federated settings changed since the last one; true when it did. */
  sync(): Promise<boolean>;
  /** The encoded SettingsUpdate of the current version: built at most once per version. */
  encoded(): Buffer;
}

export function createVersionSync(deps: { config: LiveConfig; state: StateStore; log: Logger }): VersionSync {
  const { config, state, log } = deps;
  let built: { version: number; bytes: Buffer } | null = null;
  const version = () => state.get().primary?.settingsVersion ?? 0;

  const encode = (v: number, settings: FederatedSettings) => encodeSettingsUpdate(encodeSettings(v, settings, config.current().node.name));

  function published(): FederatedSettings {
    const current = config.current();
    return { mailServer: current.mailServer, recipients: [...current.notifications.recipients], portalAddress: current.portal.address };
  }

  return {
    version,
    async sync() {
      const settings = published();
      const digest = settingsDigest(settings);
      if (state.get().primary?.settingsDigest === digest) return false;
      await state.update((s) => {
        s.primary ??= { settingsVersion: 0, settingsDigest: null, tokens: [], nodes: {} };
        s.primary.settingsVersion += 1;
        s.primary.settingsDigest = digest;
      });
      // The bytes of this version are the settings its digest was taken of, whatever the config
      // says by the time a stream needs them.
      built = { version: version(), bytes: encode(version(), settings) };
      log.info({ version: version() }, 'federated settings changed; new version');
      return true;
    },
    encoded() {
      const current = version();
      if (built?.version !== current) built = { version: current, bytes: encode(current, published()) };
      return built.bytes;
    },
  };
}
