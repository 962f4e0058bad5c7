/**
 * On a primary: which configuration each settings version sent to the secondaries was taken from,
 * so that the Federation page can show what differs between the version a secondary runs and the
 * one the primary has. The federated settings of version N are those of a kept configuration
 * (kept-configs.ts): this file maps N to that configuration's version, nothing more (no secret).
 * Bounded to the last MAX_VERSIONS; older versions have no diff.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LiveConfig } from '../config/live-config.js';
import { parseConfig } from '../config/load.js';
import { toAppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { writeFileDurably } from '../util/durable-file.js';
import { diffSettings, flattenSettings, type FieldChange } from './diff.js';
import type { KeptConfigs } from './kept-configs.js';
import { federatedFields } from './settings-changes.js';

const FILE = 'published.json';
const MAX_VERSIONS = 200;

/** What differs between settings version `from` (what a secondary runs) and `to` (the primary's). */
export type PublishedDiff = { from: number; to: number; changes: FieldChange[] } | { from: number; to: number; unavailable: string };

export interface PublishedVersions {
  /** Settings version `version` holds the federated settings of configuration `configVersion`. */
  published(version: number, configVersion: string): Promise<void>;
  /** `to` is the version the primary publishes now: the configuration in force. */
  diff(from: number, to: number): Promise<PublishedDiff>;
}

export async function openPublishedVersions(dir: string, deps: { config: LiveConfig; kept: KeptConfigs; log: Logger }): Promise<PublishedVersions> {
  const { config, kept, log } = deps;
  const path = join(dir, FILE);
  const map = new Map<number, string>(parseMap(await readFile(path, 'utf8').catch(() => '{}')));
  // One write at a time, of the map as it is then: versions published meanwhile share the next one.
  let writing: Promise<void> = Promise.resolve();
  let changes = 0;
  let written = 0;

  return {
    published(version, configVersion) {
      map.set(version, configVersion);
      for (const old of [...map.keys()].sort((a, b) => a - b).slice(0, Math.max(0, map.size - MAX_VERSIONS))) map.delete(old);
      changes += 1;
      writing = writing
        .then(async () => {
          if (written === changes) return;
          const upTo = changes;
          await writeFileDurably(path, JSON.stringify(Object.fromEntries(map)));
          written = upTo;
        })
        .catch((err: unknown) => log.warn({ err }, 'audit: which configuration a settings version came from could not be written'));
      return writing;
    },
    async diff(from, to) {
      const current = config.current();
      const configVersion = map.get(from);
      const text = configVersion === undefined ? null : await kept.read(configVersion);
      if (text === null) return { from, to, unavailable: `the configuration version ${from} was taken from is no longer kept (only the last audit.keptConfigs are)` };
      try {
        // Both are here in full: a throw-away key compares their secrets, shown as "changed".
        const key = randomBytes(32);
        const then = parseConfig(text, current.file);
        const fields = (c: typeof current) => federatedFields(c.mailServer, c.notifications.recipients, c.portal.address);
        return { from, to, changes: diffSettings(flattenSettings(fields(then), key), flattenSettings(fields(current), key)) };
      } catch (err) {
        return { from, to, unavailable: `the configuration version ${from} was taken from no longer validates: ${toAppError(err, 'AM_CONFIG_INVALID').message}` };
      }
    },
  };
}

function parseMap(text: string): Array<[number, string]> {
  try {
    const raw = JSON.parse(text) as unknown;
    if (raw === null || typeof raw !== 'object') return [];
    return Object.entries(raw as Record<string, unknown>).flatMap(([key, value]) => (/^\d+$/.test(key) && typeof value === 'string' ? [[Number(key), value] as [number, string]] : []));
  } catch {
    return [];
  }
}
