// A process holding some centralized secondaries, each the real client code of the daemon
// (src/federation/secondary.ts with its own state folder on tmpfs), for the fan-out benchmark. Reports to its parent (IPC) when each secondary applies
// a version, and its event-loop utilization between two marks (to show it was not saturated).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFederationSecondary } from '../../dist/federation/secondary.js';
import { credentials, joinPrimary } from '../../dist/federation/secondary-channel.js';
import { createOAuth2Tokens } from '../../dist/oauth2/token-source.js';
import { verifySettings } from '../../dist/relay/transport-options.js';
import { openStateStore } from '../../dist/state/store.js';
import { createLogger } from '../../dist/log/logger.js';
import { spreadLoopbackSources } from './local-address.mjs';

const log = createLogger({ level: 'silent' });
const secondaries = [];
const base = process.env.FLEET_STATE_DIR;
spreadLoopbackSources(Number(process.env.FLEET_SOURCE_BLOCK), 20);

function staticConfig(name, dir) {
  const config = {
    file: join(dir, 'config.json'),
    version: 'bench',
    node: { name, role: 'secondary', stateDir: dir },
    mailServer: { enabled: false, host: null, port: null, sender: null, username: null, password: null, tls: true, caPem: null },
    notifications: { recipients: [] },
    portal: { address: null },
    federation: { listen: null, certFile: null, keyFile: null },
    control: { socket: join(dir, 'c.sock'), socketMode: 0o660, adminSocket: join(dir, 'a.sock'), adminSocketMode: 0o600 },
    relay: { maxAgeMs: 1e9, maxMessageBytes: 1e6, retryMinMs: 1000, retryMaxMs: 1000 },
    log: { level: 'silent' },
  };
  return { current: () => config, lastError: () => null, appliedAt: () => new Date(), onChange: () => undefined, start: async () => undefined, close: async () => undefined };
}

/**
 * FLEET_WORKER_LIGHT=1 (fanout.mjs's `light`): each secondary joins as the daemon does, then holds a
 * bare Session that reports every update at once, with no check, state write or listener of ours:
 * the primary's cost per change measured without the secondaries' own work competing for the cores.
 */
const light = process.env.FLEET_WORKER_LIGHT === '1';
function openLightSession({ membership, client }) {
  const session = client.Session(credentials(membership));
  session.write({ watch: { mode: 'centralized', last_applied_version: '0' } });
  session.on('data', (update) => {
    session.write({ report: { version: update.version, stage: 'applied', error: '' } });
    process.send({ applied: { name: membership.name, version: Number(update.version), at: Date.now() } });
  });
  session.on('error', () => undefined);
}

let mark = performance.eventLoopUtilization();
process.on('message', async (msg) => {
  if (msg.join) {
    const { primary, tokens, prefix } = msg.join;
    const joinMs = [];
    // A join that fails is told to the bench, which fails (it would otherwise wait for it).
    try {
      for (const [i, token] of tokens.entries()) {
        const name = `${prefix}-${i}`;
        if (light) {
          const started = performance.now();
          openLightSession(await joinPrimary(primary, token, name, 'centralized'));
          joinMs.push(performance.now() - started);
          continue;
        }
        const dir = join(base, name);
        mkdirSync(dir, { recursive: true });
        const state = await openStateStore(dir);
        const config = staticConfig(name, dir);
        const tokens = createOAuth2Tokens({ state, log });
        const secondary = createFederationSecondary({ config, state, verifySettings: (settings) => verifySettings(settings, tokens.forSettings(settings)), log });
        // The secondary tells its listeners once the applied version is on disk: that is "applied".
        secondary.onChange((facts) => {
          if (facts.centralized) process.send({ applied: { name, version: facts.centralized.version, at: Date.now() } });
        });
        const started = performance.now();
        await secondary.join(primary, token, true);
        joinMs.push(performance.now() - started);
        secondaries.push({ secondary, state });
      }
    } catch (err) {
      process.send({ joined: joinMs.length, joinMs, error: err.message });
      return;
    }
    process.send({ joined: tokens.length, joinMs });
  }
  if (msg.mark) {
    mark = performance.eventLoopUtilization();
    process.send({ marked: true });
  }
  if (msg.measure) process.send({ elu: performance.eventLoopUtilization(mark).utilization });
  if (msg.close) {
    for (const { secondary, state } of secondaries) {
      await secondary.close();
      await state.close();
    }
    process.exit(0);
  }
});
process.send({ ready: true });
