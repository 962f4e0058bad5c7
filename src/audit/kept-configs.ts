/**
 * The last saved configurations, bytes exact and secrets included (as pfSense keeps its config
 * backups), one file per config version in a folder only the daemon reads (0700, files 0600). A
 * revert writes one of them back. Beyond `keep` versions the least recently in force go.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, writeFileDurably } from '../util/durable-file.js';

const VERSION = /^[0-9a-f]{12}$/;

export interface KeptConfigs {
  /** Keeps `text` when it is the file of `version` (its sha256 prefix); false when it is not. */
  keep(version: string, text: string): Promise<boolean>;
  /** The bytes of `version`, or null when it is not (or no longer) kept. */
  read(version: string): Promise<string | null>;
  has(version: string): Promise<boolean>;
}

/** The config version of a file's text, as config/load.ts computes it. */
export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function openKeptConfigs(dir: string, keep: () => number): KeptConfigs {
  const pathOf = (version: string) => join(dir, `${version}.json`);

  async function prune(): Promise<void> {
    const names = (await readdir(dir)).filter((name) => VERSION.test(name.replace(/\.json$/, '')) && name.endsWith('.json'));
    const dated = await Promise.all(names.map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })));
    dated.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { name } of dated.slice(keep())) await unlink(join(dir, name)).catch(() => undefined);
  }

  return {
    async keep(version, text) {
      if (!VERSION.test(version) || versionOf(text) !== version) return false;
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      const path = pathOf(version);
      // Back in force again (a revert): it becomes the most recent without being written twice.
      if (await exists(path)) await utimes(path, new Date(), new Date());
      else await writeFileDurably(path, text);
      await prune();
      return true;
    },
    async read(version) {
      if (!VERSION.test(version)) return null;
      return readFile(pathOf(version), 'utf8').catch(() => null);
    },
    has: (version) => (VERSION.test(version) ? exists(pathOf(version)) : Promise.resolve(false)),
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
