/**
 * A secondary's own view of its connection agrees with the primary's node list, through every
 * stage: join local, join centralized, primary restart, and a partition (network namespaces:
 * link down, then up). Each stage waits until both sides reach the expected value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { joinNode, RECONNECT_WITHIN_MS, startNode, type Node } from '../helpers/fleet.js';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../helpers/netns.js';
import { missingCapability } from '../helpers/tools.js';

const unavailable = missingCapability('connection-state test', netnsAvailable());
const FED_PORT = 7443;

describe.skipIf(unavailable)('secondary connection state against the primary node list', () => {
  let net: NetnsPair;
  let primary: Node;
  let local: Node;
  let central: Node;

  const secondaryConfig = (name: string) =>
    baseConfig(name, { node: { name, role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } });

  beforeAll(async () => {
    net = createNetnsPair();
    primary = await startNode('cs-primary', baseConfig('cs-primary', { federation: { listen: `${net.a.address}:${FED_PORT}` } }), ['ip', 'netns', 'exec', net.a.ns]);
    const inB = ['ip', 'netns', 'exec', net.b.ns];
    [local, central] = await Promise.all([startNode('cs-local', secondaryConfig('cs-local'), inB), startNode('cs-central', secondaryConfig('cs-central'), inB)]);
  }, 60_000);

  afterAll(async () => {
    for (const node of [primary, local, central]) {
      node?.control.close();
      await node?.daemon.stop();
    }
    net?.destroy();
  });

  /** Waits until every given secondary reports `connected` as expected, and (when it is up) the primary agrees. */
  async function agree(nodes: Node[], connected: boolean, timeoutMs: number, stage: string, primaryUp = true): Promise<void> {
    await eventually(
      async () => {
        const seen = await Promise.all(nodes.map(async (n) => (await n.control.status()).federation?.connection));
        if (!seen.every((c) => (c === 'connected') === connected)) return undefined;
        if (!primaryUp) return true;
        const listed = (await primary.control.listNodes()).nodes;
        return nodes.every((n) => listed.find((l) => l.name === n.name)?.connected === connected) ? true : undefined;
      },
      timeoutMs,
      `${stage}: secondaries and primary agree on connected=${connected}`,
    );
  }

  it('agrees after a local join (no settings ever flow)', async () => {
    await joinNode(primary, local, FED_PORT, false, net.a.address);
    await agree([local], true, 10_000, 'join local');
    const s = await local.control.status();
    expect(s.federation?.last_heard).not.toBe('');
  });

  it('agrees after a centralized join', async () => {
    await joinNode(primary, central, FED_PORT, true, net.a.address);
    await agree([central], true, 10_000, 'join centralized');
    await eventually(async () => ((await central.control.status()).federation?.applied_version === '1' ? true : undefined), 10_000, 'applied v1');
  });

  it('agrees through a primary restart, with nothing new to send', async () => {
    await primary.daemon.stop('SIGKILL');
    await agree([local, central], false, 20_000, 'primary down', false);
    await primary.restart();
    await agree([local, central], true, RECONNECT_WITHIN_MS, 'primary back');
    expect((await central.control.status()).federation?.applied_version).toBe('1');
  }, 20_000 + RECONNECT_WITHIN_MS + 10_000);

  it('agrees through a partition: both sides notice, both see it heal', async () => {
    net.cut();
    await agree([local, central], false, 60_000, 'partition');
    net.restore();
    await agree([local, central], true, 60_000, 'link back');
  }, 130_000);
});
