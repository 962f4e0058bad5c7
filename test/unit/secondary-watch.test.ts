/**
 * The watch loop adopts the channel a Join went over only for the membership that Join gave, and
 * closes it in every other case (no leaked connection to a primary). The channel is a stand-in:
 * what matters here is which one the Session is opened on and which ones are closed.
 */
import { EventEmitter } from 'node:events';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConnectionState } from '../../src/federation/connection.js';
import { createWatchLoop } from '../../src/federation/secondary-watch.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import { createLogger } from '../../src/log/logger.js';
import type { Membership } from '../../src/state/schema.js';

/** A loop that does not adopt the joined channel makes its own, pinned to this certificate. */
let certPem = '';
beforeAll(async () => {
  certPem = (await generate([{ name: 'commonName', value: 'appliance-mail-primary' }], { keyType: 'ec', algorithm: 'sha256' })).cert;
});

function membership(credential: string): Membership {
  return { primary: '127.0.0.1:9', name: 'n1', credential, primaryCertPem: certPem, mode: 'centralized', joinedAt: '2026-12-05T00:00:00.000Z' };
}

/** A channel that records its Sessions and whether it was closed. */
function fakeChannel() {
  const channel = {
    sessions: 0,
    closed: false,
    Session() {
      channel.sessions += 1;
      return Object.assign(new EventEmitter(), { write: () => true, cancel: () => undefined });
    },
    close() {
      channel.closed = true;
    },
  };
  return channel;
}

function loopFor(current: () => Membership | null) {
  return createWatchLoop({
    connection: createConnectionState(),
    log: createLogger({ level: 'silent' }),
    membership: current,
    position: () => ({ lastApplied: 0, refused: null }),
    onUpdate: () => undefined,
  });
}

const asClient = (channel: ReturnType<typeof fakeChannel>) => channel as unknown as FederationClient;

describe('the watch loop and the channel of a join', () => {
  it('opens the Session on the joined channel when its membership is the current one, and closes it at stop', () => {
    const joined = membership('n1.secret-a');
    const loop = loopFor(() => joined);
    const channel = fakeChannel();
    loop.connect({ client: asClient(channel), membership: joined });
    expect(channel.sessions).toBe(1);
    expect(channel.closed).toBe(false);
    loop.close();
    expect(channel.closed).toBe(true);
  });

  it('closes the joined channel unused when the node holds another membership, or none', () => {
    for (const current of [membership('n1.secret-other'), null]) {
      const loop = loopFor(() => current);
      const channel = fakeChannel();
      loop.connect({ client: asClient(channel), membership: membership('n1.secret-a') });
      expect(channel.sessions).toBe(0);
      expect(channel.closed).toBe(true);
      loop.close();
    }
  });

  it('closes the joined channel unused when the loop is closed or already has a channel', () => {
    const joined = membership('n1.secret-a');
    const closedLoop = loopFor(() => joined);
    closedLoop.close();
    const late = fakeChannel();
    closedLoop.connect({ client: asClient(late), membership: joined });
    expect(late).toMatchObject({ sessions: 0, closed: true });

    const loop = loopFor(() => joined);
    const first = fakeChannel();
    loop.connect({ client: asClient(first), membership: joined });
    const second = fakeChannel();
    loop.connect({ client: asClient(second), membership: joined });
    expect(second).toMatchObject({ sessions: 0, closed: true });
    expect(first.closed).toBe(false);
    loop.close();
  });
});
