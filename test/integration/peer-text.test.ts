/**
 * Text from a secondary is data, not terminal output (issue 11, finding 7): a node that reports
 * an error holding a screen-clearing escape, a carriage return and a forged line gets neither
 * into the primary's state nor onto the operator's terminal through `nodes`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateSha256, PINNED_CHANNEL_OPTIONS, pinnedCredentials } from '../../src/federation/certificate.js';
import { federationProto } from '../../src/federation/proto.js';
import { parseToken } from '../../src/federation/secrets.js';
import type { FederationClient } from '../../src/generated/appliance_mail/federation/v1/Federation.js';
import { baseConfig } from '../helpers/daemon.js';
import { startNode, type Node } from '../helpers/fleet.js';

/** Any C0 control but the newline that ends a printed line, DEL, C1, bidi overrides. */
const CONTROL_IN_LINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const EVIL = 'auth failed\u001b[2J\u001b[H\rnode  trusted  connected  v1 applied  v1 works\nforged line\u009b31m\u202eesrever';

describe('text a secondary reports', () => {
  let primary: Node;
  let client: FederationClient;

  beforeAll(async () => {
    primary = await startNode('text-primary', baseConfig('text-primary', { federation: { listen: '127.0.0.1:0' } }));
    const fedPort = primary.federationPort;
    const certPem = await readFile(join(primary.dir, 'state', 'federation-cert.pem'), 'utf8');
    client = new federationProto.Federation(`127.0.0.1:${fedPort}`, pinnedCredentials(certPem, certificateSha256(certPem)), PINNED_CHANNEL_OPTIONS) as unknown as FederationClient;
  });

  afterAll(async () => {
    client?.close();
    primary?.control.close();
    await primary?.daemon.stop();
  });

  it('is stored and printed without control characters', async () => {
    const token = parseToken((await primary.cli(['token', 'create'])).stdout);
    const { credential } = await new Promise<{ credential: string }>((resolve, reject) =>
      client.Join({ token_id: token.id, token_secret: token.secret, node_name: 'noisy', mode: 'centralized' }, (err, r) => (err ? reject(err) : resolve(r!))),
    );
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    await new Promise<void>((resolve, reject) =>
      client.Report({ version: '1', stage: 'verify_failed', error: EVIL }, metadata, (err) => (err ? reject(err) : resolve())),
    );

    // The Report was answered once its record was on disk: the last line about the node holds it.
    const logLines = (await readFile(join(primary.dir, 'state', 'nodes.jsonl'), 'utf8')).trimEnd().split('\n');
    const stored = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.key === 'noisy').at(-1)?.record.verified?.error as string;
    expect(stored).not.toMatch(CONTROL_IN_LINE);
    expect(stored).not.toContain('\n');
    // The words stay; only the controls are gone.
    expect(stored).toContain('forged line');

    const nodes = await primary.cli(['nodes']);
    expect(nodes.code).toBe(0);
    const lines = nodes.stdout.trimEnd().split('\n');
    // "settings version ...", the table header, one row: no forged line.
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toMatch(CONTROL_IN_LINE);
    expect(lines[2]).toMatch(/^noisy\s+centralized\s+/);

    const json = JSON.parse((await primary.cli(['nodes', '--json'])).stdout);
    expect(json.nodes[0].verified.error).not.toMatch(CONTROL_IN_LINE);
  });
});
