/**
 * A Report is answered only once its record is on disk: the primary is killed (SIGKILL) the
 * moment the first answer arrives, while the other nodes' reports are still being gathered and
 * written; after the restart, every node that was answered still has its refusal recorded, and
 * the refused version is not sent to it again.
 *
 * A Session's reports are not answered: a refusal lost with the primary is stated again by the
 * node's next session, and the refused version is not sent to it again either.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSha256, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { parseToken } from '../../src/federation/secrets.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import type { SessionRequest } from '../../src/generated/appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate__Output } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';

const NODES = 30;
const REFUSAL = 'sender rejected by the test';

describe('federation: reports across a crash of the primary', () => {
  let primary: Node;
  let client: FederationClient;
  const credentials = new Map<string, string>();

  const auth = (name: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${credentials.get(name)}`);
    return metadata;
  };

  beforeAll(async () => {
    primary = await startNode('crash-primary', baseConfig('crash-primary', { federation: { listen: '127.0.0.1:0' } }));
    const certPem = await readFile(join(primary.dir, 'state', 'federation-cert.pem'), 'utf8');
    client = new federationProto.Federation(`127.0.0.1:${primary.federationPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), PINNED_CHANNEL_OPTIONS) as unknown as FederationClient;
    for (let i = 0; i < NODES; i++) {
      const name = `crash-${i}`;
      const token = parseToken((await primary.control.createToken({ ttl_seconds: 600 })).token);
      const reply = await new Promise<{ credential: string }>((resolve, reject) =>
        client.Join({ token_id: token.id, token_secret: token.secret, node_name: name, mode: 'centralized' }, (err, r) => (err ? reject(err) : resolve(r!))),
      );
      credentials.set(name, reply.credential);
    }
    await primary.edit((c) => (c.mailServer.sender = 'refused@example.com'));
    await eventually(async () => ((await primary.control.status()).federation?.settings_version === '2' ? true : undefined), 10_000, 'version 2');
  }, 120_000);

  afterAll(async () => {
    client?.close();
    primary?.control.close();
    await primary?.daemon.stop();
  });

  it('keeps every refusal it answered, and does not send the refused version again', async () => {
    // Every node refuses version 2 again and again, each time in new words, the next one once the
    // last is answered: at any moment the primary holds reports it is gathering or writing. It is
    // killed once it answered three rounds; a node's record must then hold the last words it was
    // answered for (or the next ones, written but not answered).
    const answeredRound = new Map<string, number>();
    let answers = 0;
    let kill: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (kill = resolve));
    const refuseUntilDown = async (name: string) => {
      for (let round = 0; ; round++) {
        const err = await new Promise<grpc.ServiceError | null>((resolve) =>
          client.Report({ version: '2', stage: 'rejected', error: `${REFUSAL} ${round}` }, auth(name), (e) => resolve(e)),
        );
        if (err !== null) return;
        answeredRound.set(name, round);
        if (++answers >= 3 * NODES) kill();
      }
    };
    const reporters = Promise.all([...credentials.keys()].map(refuseUntilDown));
    await enough;
    await primary.daemon.stop('SIGKILL');
    await reporters;

    await primary.restart();
    const { nodes } = await primary.control.listNodes();
    const answered = [...answeredRound.keys()];
    expect(answered.length).toBe(NODES);
    for (const [name, round] of answeredRound) {
      const recorded = nodes.find((n) => n.name === name)?.applied;
      expect([name, recorded?.version]).toEqual([name, '2']);
      expect([name, recorded?.error]).toEqual([name, expect.stringMatching(new RegExp(`^${REFUSAL} (${round}|${round + 1})$`))]);
    }

    // Each answered node comes back still on version 1: the primary holds version 2 from it.
    for (const name of answered) {
      const from = primary.daemon.logs.length;
      const stream = client.Watch({ mode: 'centralized', last_applied_version: '1' }, auth(name));
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      try {
        const line = await primary.daemon.waitForLog((l) => l['msg'] === 'secondary connected' && l['node'] === name, 20_000, from);
        expect([name, line['sent']]).toEqual([name, 'none: v2 was refused']);
      } finally {
        stream.cancel();
      }
    }
  }, 120_000);

  it("keeps every refusal a node states again after a kill -9 that lost its Session's report, and does not send the refused version again", async () => {
    await primary.edit((c) => (c.mailServer.sender = 'refused-again@example.com'));
    await eventually(async () => ((await primary.control.status()).federation?.settings_version === '3' ? true : undefined), 10_000, 'version 3');
    const names = [...credentials.keys()];
    const sessions: Array<grpc.ClientDuplexStream<SessionRequest, SettingsUpdate__Output>> = [];
    // A connection per node, as secondaries have (the primary allows 16 streams on one; grpc-js
    // would share one connection between clients of the same target in one process).
    const certPem = await readFile(join(primary.dir, 'state', 'federation-cert.pem'), 'utf8');
    const options = { ...PINNED_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 };
    // New ones after the restart: a channel that saw the primary die waits out its own backoff.
    const connect = () => names.map(() => new federationProto.Federation(`127.0.0.1:${primary.federationPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), options) as unknown as FederationClient);
    let clients = connect();
    const open = (name: string, watch: SessionRequest['watch']) => {
      const session = clients[names.indexOf(name)]!.Session(auth(name));
      session.on('error', () => undefined);
      session.write({ watch });
      sessions.push(session);
      return session;
    };
    // Half the nodes refuse version 3 on their session as it arrives; the primary is killed once
    // they all wrote it (some reports on disk, some not). The other half never got to say it.
    const reporting = names.slice(0, NODES / 2);
    let written = 0;
    let kill: () => void = () => undefined;
    const allWritten = new Promise<void>((resolve) => (kill = resolve));
    for (const name of names) {
      const session = open(name, { mode: 'centralized', last_applied_version: '1' });
      session.on('data', (update: SettingsUpdate__Output) => {
        if (update.version !== '3' || !reporting.includes(name)) return;
        session.write({ report: { version: '3', stage: 'rejected', error: `${REFUSAL} on a session` } });
        if (++written === reporting.length) kill();
      });
    }
    await allWritten;
    await primary.daemon.stop('SIGKILL');
    for (const session of sessions.splice(0)) session.cancel();
    for (const c of clients) c.close();

    await primary.restart();
    clients = connect();
    for (const name of names) {
      const from = primary.daemon.logs.length;
      const session = open(name, { mode: 'centralized', last_applied_version: '1', refused_version: '3', refused_error: `${REFUSAL} on a session` });
      const line = await primary.daemon.waitForLog((l) => l['msg'] === 'secondary connected' && l['node'] === name, 20_000, from);
      expect([name, line['sent']]).toEqual([name, 'none: v3 was refused']);
      session.cancel();
    }
    const { nodes } = await primary.control.listNodes();
    for (const name of names) expect([name, nodes.find((n) => n.name === name)?.applied]).toMatchObject([name, { version: '3', error: `${REFUSAL} on a session` }]);
    for (const session of sessions) session.cancel();
    for (const c of clients) c.close();
  }, 120_000);
});
