/**
 * The primary is killed (kill -9) and restarted ROUNDS times while its settings change, some of
 * them while it is down. Every centralized secondary ends on the primary's last version and
 * never applies an older one than it had.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { baseConfig, eventually, sleep } from '../helpers/daemon.js';
import { median, reportFigures, ROUNDS } from '../helpers/chaos.js';
import { joinNode, RECONNECT_WITHIN_MS, startNode, type Node } from '../helpers/fleet.js';
import { seededRandom } from '../helpers/random.js';

const nodes: Node[] = [];
afterAll(async () => {
  for (const n of nodes) {
    n.control.close();
    await n.daemon.stop();
  }
});

it(`secondaries end on the last version through ${ROUNDS} kill -9 of the primary`, async () => {
  const random = seededRandom('primary restarts');
  const primary = await startNode('restarting-primary', baseConfig('restarting-primary', { federation: { listen: '127.0.0.1:0' } }));
  const fedPort = primary.federationPort;
  nodes.push(primary);
  const secondaries: Node[] = [];
  for (const name of ['follower-a', 'follower-b']) {
    const s = await startNode(name, baseConfig(name, { node: { name, role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    nodes.push(s);
    secondaries.push(s);
    await joinNode(primary, s, fedPort, true);
  }
  // Watch every secondary's applied version all along: it must never go down.
  const seen = new Map<string, number[]>(secondaries.map((s) => [s.name, []]));
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const s of secondaries) {
        const v = await s.control.status().then((st) => Number(st.federation?.applied_version), () => null);
        if (v !== null) seen.get(s.name)!.push(v);
      }
      await sleep(20);
    }
  })();

  const writeSender = async (sender: string) => {
    const config = JSON.parse(await readFile(primary.configPath, 'utf8'));
    config.mailServer.sender = sender;
    primary.config = config;
    await writeFile(primary.configPath, JSON.stringify(config));
  };
  const recovery: number[] = [];
  let last = '';
  for (let round = 0; round < ROUNDS; round++) {
    last = `round${round}-live@example.com`;
    await writeSender(last);
    await sleep(random() * 300);
    await primary.daemon.stop('SIGKILL');
    if (round % 2 === 0) {
      last = `round${round}-while-down@example.com`;
      await writeSender(last);
    }
    await sleep(random() * 300);
    // Back on the port the secondaries joined.
    await primary.restart();
    const start = Date.now();
    const target = (await primary.control.status()).federation?.settings_version;
    await eventually(async () => {
      for (const s of secondaries) if ((await s.control.status()).federation?.applied_version !== target) return undefined;
      return true;
    }, RECONNECT_WITHIN_MS, `round ${round}: secondaries on version ${target}`);
    recovery.push(Date.now() - start);
  }
  watching = false;
  await watcher;
  const finalVersion = (await primary.control.status()).federation?.settings_version;
  for (const s of secondaries) {
    const st = await s.control.status();
    expect(st.federation?.applied_version).toBe(finalVersion);
    expect(st.mail_server?.sender).toBe(last);
  }
  const regressions = [...seen.values()].reduce((n, versions) => n + versions.filter((v, i) => i > 0 && v < versions[i - 1]!).length, 0);
  reportFigures('kill -9 and restart of the primary while its settings change', {
    runs: ROUNDS,
    secondaries: secondaries.length,
    final_version: String(finalVersion),
    status_samples: [...seen.values()].reduce((n, v) => n + v.length, 0),
    version_regressions: regressions,
    catch_up_after_restart_ms_median: median(recovery),
    catch_up_after_restart_ms_max: Math.max(...recovery),
  });
  expect(regressions).toBe(0);
}, 300_000);
