/**
 * The primary's settings version: a sync compares against what the syncs before it left, so two
 * edits in quick succession are two versions, and an edit straight back is a third, never "no change".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveConfig } from '../../src/config/live-config.js';
import { parseConfig, type Config } from '../../src/config/load.js';
import { createVersionSync } from '../../src/federation/version-sync.js';
import { createLogger } from '../../src/log/logger.js';
import { openStateStore } from '../../src/state/store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function versionSync() {
  const dir = await mkdtemp(join(tmpdir(), 'am-version-sync-'));
  dirs.push(dir);
  const configOf = (sender: string, retryMin = '9s') =>
    parseConfig(JSON.stringify({ node: { name: 'p', role: 'primary', stateDir: dir }, mailServer: { enabled: true, server: 'smtp.example.com:587', sender, tls: true }, relay: { retryMin } }), join(dir, 'config.json'));
  let inForce = configOf('a@example.com');
  const config = { current: () => inForce } as unknown as LiveConfig;
  const sync = createVersionSync({ config, state: await openStateStore(dir), log: createLogger({ level: 'silent' }) });
  return { sync, configOf, apply: (next: Config) => (inForce = next) };
}

describe('settings version sync', () => {
  it('an edit and an edit straight back, both applied before the first is on disk, are two new versions', async () => {
    const { sync, configOf, apply } = await versionSync();
    const a = configOf('a@example.com');
    const b = configOf('b@example.com');
    expect(await sync.sync()).toEqual({ version: 1, configVersion: a.version, changed: true });
    apply(b);
    const toB = sync.sync();
    apply(a);
    const backToA = sync.sync();
    expect(await toB).toEqual({ version: 2, configVersion: b.version, changed: true });
    expect(await backToA).toEqual({ version: 3, configVersion: a.version, changed: true });
    expect(sync.encoded().includes('a@example.com')).toBe(true);
  });

  it('an edit outside the federated settings right after one inside bumps nothing more', async () => {
    const { sync, configOf, apply } = await versionSync();
    await sync.sync();
    apply(configOf('b@example.com'));
    const toB = sync.sync();
    const other = configOf('b@example.com', '11s');
    apply(other);
    const unrelated = sync.sync();
    expect((await toB).version).toBe(2);
    expect(await unrelated).toEqual({ version: 2, configVersion: other.version, changed: false });
  });
});
