/**
 * A network partition between a primary and a centralized secondary, each in a network
 * namespace of its own: the secondary keeps working on its last settings, then catches up.
 * Skipped, with the reason, where namespaces cannot be made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { reportFigures } from '../helpers/chaos.js';
import { createNetnsPair, netnsAvailable, type NetnsPair } from '../helpers/netns.js';
import { missingCapability } from '../helpers/tools.js';

const unavailable = missingCapability('partition test', netnsAvailable());
const FED_PORT = 7443;

describe.skipIf(unavailable)('network partition between primary and secondary', () => {
  let net: NetnsPair;
  let primary: Node;
  let secondary: Node;

  beforeAll(async () => {
    net = createNetnsPair();
    primary = await startNode(
      'part-primary',
      baseConfig('part-primary', { federation: { listen: `${net.a.address}:${FED_PORT}` } }),
      ['ip', 'netns', 'exec', net.a.ns],
    );
    secondary = await startNode(
      'part-secondary',
      baseConfig('part-secondary', { node: { name: 'part-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }),
      ['ip', 'netns', 'exec', net.b.ns],
    );
    await joinNode(primary, secondary, FED_PORT, true, net.a.address);
    await eventually(async () => ((await secondary.control.status()).federation?.applied_version === '1' ? true : undefined), 10_000, 'applied v1');
  }, 60_000);

  afterAll(async () => {
    for (const node of [primary, secondary]) {
      node?.control.close();
      await node?.daemon.stop();
    }
    net?.destroy();
  });

  it('keeps its settings through the partition and catches up when the link is back', async () => {
    net.cut();
    const cutAt = Date.now();
    await primary.edit((c) => (c.mailServer.sender = 'during-partition@example.com'));
    const noticed = await eventually(async () => {
      const s = await secondary.control.status();
      return s.federation?.connection.startsWith('disconnected') ? s : undefined;
    }, 40_000, 'secondary notices the partition');
    const noticedMs = Date.now() - cutAt;
    expect(noticed.mail_server).toMatchObject({ enabled: true, sender: 'alerts@example.com', password: 'set' });
    expect(noticed.mode).toBe('centralized');

    net.restore();
    const restoredAt = Date.now();
    await eventually(async () => ((await secondary.control.status()).mail_server?.sender === 'during-partition@example.com' ? true : undefined), 60_000, 'catch up');
    const caughtUpMs = Date.now() - restoredAt;
    expect((await secondary.control.status()).federation?.applied_version).toBe('2');
    reportFigures('network partition between primary and secondary (network namespaces)', {
      runs: 1,
      settings_kept_during_partition: 'yes',
      partition_noticed_after_ms: noticedMs,
      caught_up_after_link_back_ms: caughtUpMs,
    });
  }, 120_000);
});
