/**
 * A small fleet against one primary daemon (issue 16, the shortened version of the benchmark's
 * reconnect storm): 50 centralized secondaries (the daemon's own client code, in this process,
 * each with its own state folder) join, apply a version, then the primary is killed with
 * SIGKILL, a new version is written while it is down, and it is restarted: every secondary must
 * come back by itself (full-jitter backoff) and apply the new version, and the primary must know
 * that each one did.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConfig } from '../../src/config/live-config.js';
import { parseConfig } from '../../src/config/load.js';
import { createFederationSecondary, type FederationSecondary } from '../../src/federation/secondary.js';
import { createLogger } from '../../src/log/logger.js';
import { openStateStore, type StateStore } from '../../src/state/store.js';
import { baseConfig, eventually, tempDir } from '../helpers/daemon.js';
import { RECONNECT_WITHIN_MS, startNode, type Node } from '../helpers/fleet.js';

const FLEET_SIZE = 50;
/** Joins at once: each holds a certificate fetch and a Join channel beside the open Watches, under the guard's 64 per address. */
const JOINS_IN_FLIGHT = 5;
const log = createLogger({ level: 'silent' });

interface Member {
  name: string;
  secondary: FederationSecondary;
  state: StateStore;
}

describe('fleet: 50 secondaries and a primary restart', () => {
  let primary: Node;
  const fleet: Member[] = [];

  beforeAll(async () => {
    primary = await startNode('fleet-primary', baseConfig('fleet-primary', { federation: { listen: '127.0.0.1:0' } }));
  });

  afterAll(async () => {
    for (const member of fleet) {
      await member.secondary.close();
      await member.state.close();
    }
    primary?.control.close();
    await primary?.daemon.stop();
  });

  const appliedVersions = () => fleet.map((m) => m.state.get().centralized?.version ?? 0);
  const allOn = (version: number) => (appliedVersions().every((v) => v === version) ? true : undefined);

  it('50 secondaries join and apply the current version', async () => {
    const base = await tempDir('am-fleet-');
    const address = `127.0.0.1:${primary.federationPort}`;
    let next = 0;
    await Promise.all(
      Array.from({ length: JOINS_IN_FLIGHT }, async () => {
        while (next < FLEET_SIZE) {
          const name = `fleet-${String(next++).padStart(2, '0')}`;
          const dir = join(base, name);
          const config = parseConfig(JSON.stringify({ node: { name, role: 'secondary', stateDir: dir }, mailServer: { enabled: false, tls: true }, control: { socket: join(dir, 'control.sock') } }), join(dir, 'config.json'));
          const state = await openStateStore(dir);
          const secondary = createFederationSecondary({ config: createLiveConfig(config, log), state, verifySettings: async () => null, log });
          const { token } = await primary.control.createToken({ ttl_seconds: 600 });
          await secondary.join(address, token, true);
          fleet.push({ name, secondary, state });
        }
      }),
    );
    const version = Number((await primary.control.status()).federation?.settings_version);
    await eventually(() => allOn(version), 20_000, `all ${FLEET_SIZE} on version ${version}`);
  }, 60_000);

  it('after kill -9 and a restart with new settings, every secondary is back on the new version', async () => {
    expect(fleet).toHaveLength(FLEET_SIZE);
    const before = Number((await primary.control.status()).federation?.settings_version);
    await primary.daemon.stop('SIGKILL');
    await primary.edit((c) => {
      c.mailServer.sender = 'after-restart@example.com';
    });
    await primary.restart();
    const status = await primary.control.status();
    const version = Number(status.federation?.settings_version);
    expect(version).toBe(before + 1);
    // Full-jitter backoff from 250 ms, doubling: most are back within a few seconds of the restart,
    // the last within the backoff cap.
    await eventually(() => allOn(version), RECONNECT_WITHIN_MS, `all ${FLEET_SIZE} back on version ${version}`);
    expect(fleet.every((m) => m.state.get().centralized?.settings.mailServer.sender === 'after-restart@example.com')).toBe(true);
    // The primary knows it of each one: connected, and applied the new version.
    await eventually(async () => {
      const { nodes } = await primary.control.listNodes();
      const ok = nodes.filter((n) => n.connected && Number(n.applied?.version) === version && n.applied?.error === '');
      return ok.length === FLEET_SIZE ? true : undefined;
    }, 20_000, 'the primary to record every node on the new version');
    expect((await primary.control.status()).federation?.nodes_connected).toBe(FLEET_SIZE);
  }, RECONNECT_WITHIN_MS + 30_000);
});
