/**
 * The secondary's stream to its primary, seen from a stand-in primary (real grpc-js, TLS): its
 * Reports travel on the Session, a refusal is stated again by every session it opens until a
 * newer version is applied (or the node leaves), and a primary from before Session
 * (UNIMPLEMENTED) gets a Watch and a Report call per report.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSettings } from '../../src/federation/settings-wire.js';
import type { SettingsUpdate } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { baseConfig } from '../helpers/daemon.js';
import { startFakePrimary, type FakePrimary } from '../helpers/fake-primary.js';
import { startNode, type Node } from '../helpers/fleet.js';

function update(version: number, sender = 'alerts@example.com'): SettingsUpdate {
  return encodeSettings(
    version,
    {
      mailServer: { enabled: true, host: '127.0.0.1', port: 9, sender, username: null, password: null, tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
      recipients: ['ops@example.com'],
      portalAddress: null,
    },
    'fake-primary',
  );
}

describe('the secondary stream to its primary', () => {
  let primary: FakePrimary | undefined;
  let secondary: Node | undefined;

  afterEach(async () => {
    secondary?.control.close();
    await secondary?.daemon.stop();
    await primary?.close();
  });

  async function joined(options: { session: boolean }, name: string): Promise<FakePrimary> {
    primary = await startFakePrimary(options);
    secondary = await startNode(name, baseConfig(name, { node: { name, role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    const join = await secondary.cli(['join', '--primary', primary.address, '--token', primary.token, '--centralize']);
    expect(join.code, join.stderr).toBe(0);
    await primary.watching();
    return primary;
  }

  it('reports on its Session, and states a refusal again at each session until it applies a newer version', async () => {
    const fake = await joined({ session: true }, 'session-node');
    expect(fake.watches[0]).toMatchObject({ via: 'session', mode: 'centralized', last_applied_version: '0', refused_version: '0' });
    // The first Session opens on the connection the Join went over (same client port): a join
    // costs the primary one lasting connection, not a second one for the stream.
    expect(fake.joinPeers).toHaveLength(1);
    expect(fake.watches[0]!.peer).toBe(fake.joinPeers[0]);

    fake.send(update(1));
    expect(await fake.ackOrNack(1)).toMatchObject({ via: 'session', stage: 'applied', error: '' });
    fake.send(update(2, 'alerts@'));
    const nack = await fake.ackOrNack(2);
    expect(nack).toMatchObject({ via: 'session', stage: 'rejected', error: expect.stringMatching(/^mailServer\.sender: /) });

    // The primary goes away and comes back (its stream dropped): the next session says it again.
    fake.drop();
    await fake.watching(20_000, 2);
    expect(fake.watches[1]).toMatchObject({ via: 'session', last_applied_version: '1', refused_version: '2', refused_error: nack.error });

    fake.send(update(3));
    expect(await fake.ackOrNack(3)).toMatchObject({ via: 'session', stage: 'applied' });
    fake.drop();
    await fake.watching(20_000, 3);
    expect(fake.watches[2]).toMatchObject({ via: 'session', last_applied_version: '3', refused_version: '0', refused_error: '' });

    // A refusal belongs to the membership: after a leave and a new join it is not stated.
    fake.send(update(4, 'alerts@'));
    expect(await fake.ackOrNack(4)).toMatchObject({ stage: 'rejected' });
    expect((await secondary!.cli(['leave'])).code).toBe(0);
    const again = await secondary!.cli(['join', '--primary', fake.address, '--token', fake.token, '--centralize']);
    expect(again.code, again.stderr).toBe(0);
    await fake.watching(20_000, 4);
    expect(fake.watches[3]).toMatchObject({ via: 'session', last_applied_version: '0', refused_version: '0', refused_error: '' });
    expect(fake.reports.every((r) => r.via === 'session')).toBe(true);
  }, 60_000);

  it('with a primary from before Session (UNIMPLEMENTED): watches, and reports by calls', async () => {
    const fake = await joined({ session: false }, 'older-primary-node');
    expect(fake.watches[0]).toMatchObject({ via: 'watch', mode: 'centralized', last_applied_version: '0' });
    fake.send(update(1));
    expect(await fake.ackOrNack(1)).toMatchObject({ via: 'call', stage: 'applied', error: '' });
    const line = await secondary!.daemon.waitForLog((l) => l['msg'] === 'connected to primary' && l['stream'] === 'watch', 5_000);
    expect(line['primary']).toBe(fake.address);
    expect((await secondary!.control.status()).federation?.connection).toBe('connected');
  }, 60_000);
});
