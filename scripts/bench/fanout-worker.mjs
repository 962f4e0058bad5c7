// A process holding many centralized secondaries, each the real client code of the daemon
// (src/federation/secondary.ts with its own state file and effective settings), for the
// fan-out benchmark. Reports to its parent (IPC) when each secondary applies a version.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFederationSecondary } from '../../dist/federation/secondary.js';
import { createEffectiveSettings } from '../../dist/settings/effective.js';
import { openStateStore } from '../../dist/state/store.js';
import { createLogger } from '../../dist/log/logger.js';

const log = createLogger({ level: 'silent' });
const secondaries = [];

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

process.on('message', async (msg) => {
  if (msg.join) {
    const { primary, tokens, prefix } = msg.join;
    const base = mkdtempSync(join(tmpdir(), 'am-fanout-'));
    for (const [i, token] of tokens.entries()) {
      const name = `${prefix}-${i}`;
      const dir = join(base, name);
      const state = await openStateStore(dir);
      const config = staticConfig(name, dir);
      const effective = createEffectiveSettings(config, state, log);
      const secondary = createFederationSecondary({ config, state, effective, log });
      effective.onChange((next) => {
        const version = Number(/version (\d+)/.exec(next.source)?.[1] ?? 0);
        process.send({ applied: { name, version, at: Date.now() } });
      });
      await secondary.join(primary, token, true);
      secondaries.push({ secondary, state });
    }
    process.send({ joined: tokens.length });
  }
  if (msg.close) {
    for (const { secondary, state } of secondaries) {
      await secondary.close();
      await state.close();
    }
    process.exit(0);
  }
});
process.send({ ready: true });
