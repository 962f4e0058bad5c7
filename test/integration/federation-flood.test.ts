/**
 * The federation port under a flood of connections that never speak gRPC (issue 11, finding 4):
 * 1,000 TLS connections from 16 loopback addresses are closed by the primary once the pre-gRPC
 * limit has passed, a centralized secondary gets a settings change meanwhile, and the primary's
 * open files go back to where they were. Connections above the per-address cap are refused at
 * once. Loopback only: the sources are 127.0.0.x, which Linux routes to lo.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS_PER_ADDRESS, PRE_GRPC_TIMEOUT_MS } from '../../src/federation/connection-guard.js';
import { baseConfig, eventually } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';

const FLOOD = 1_000;
const FLOOD_ADDRESSES = 16;
/** How long past the limit a close may take on a loaded machine before the test gives up. */
const CLOSE_SLACK_MS = 15_000;

interface Probe {
  socket: TLSSocket;
  handshaken: boolean;
  openedAt: number;
  closedAt: Promise<number>;
}

/** A TLS connection (ALPN h2, as a gRPC client offers) that then sends nothing at all. */
function idleConnection(port: number, localAddress: string): Probe {
  const tcp = createConnection({ host: '127.0.0.1', port, localAddress });
  tcp.on('error', () => undefined);
  const socket = connect({ socket: tcp, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
  const probe: Probe = {
    socket,
    handshaken: false,
    openedAt: Date.now(),
    closedAt: new Promise((resolve) => socket.once('close', () => resolve(Date.now()))),
  };
  socket.once('secureConnect', () => (probe.handshaken = true));
  socket.on('error', () => undefined);
  // It reads (and drops) what the server sends, so that it sees the server's close at once.
  socket.resume();
  return probe;
}

const openFiles = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;
const rssMb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

describe('federation port flood', () => {
  let primary: Node;
  let secondary: Node;
  let fedPort: number;

  beforeAll(async () => {
    primary = await startNode('flood-primary', baseConfig('flood-primary', { federation: { listen: '127.0.0.1:0' } }));
    fedPort = primary.federationPort;
    secondary = await startNode('flood-secondary', baseConfig('flood-secondary', { node: { name: 'flood-secondary', role: 'secondary', stateDir: './state' }, mailServer: { enabled: false } }));
    await joinNode(primary, secondary, fedPort, true);
    await eventually(async () => ((await secondary.control.status()).federation?.applied_version === '1' ? true : undefined), 10_000, 'first settings');
  });

  afterAll(async () => {
    for (const n of [secondary, primary]) {
      n?.control.close();
      await n?.daemon.stop();
    }
  });

  it(`closes ${FLOOD} idle TLS connections after ${PRE_GRPC_TIMEOUT_MS / 1000} s; a secondary gets an update meanwhile`, { timeout: PRE_GRPC_TIMEOUT_MS + CLOSE_SLACK_MS + 30_000 }, async () => {
    const pid = primary.daemon.pid;
    const baseline = await openFiles(pid);
    const rssBefore = await rssMb(pid);
    const probes = Array.from({ length: FLOOD }, (_, i) => idleConnection(fedPort, `127.0.0.${2 + (i % FLOOD_ADDRESSES)}`));
    await eventually(() => (probes.every((p) => p.handshaken || p.socket.destroyed) ? true : undefined), PRE_GRPC_TIMEOUT_MS + CLOSE_SLACK_MS, 'every flood connection handshaken');
    const handshaken = probes.filter((p) => p.handshaken).length;
    const duringFlood = await openFiles(pid);
    const rssFlood = await rssMb(pid);

    // While the flood holds its connections, a change on the primary reaches the secondary.
    await primary.edit((c) => (c.mailServer.sender = 'flood-time@example.com'));
    await eventually(async () => ((await secondary.control.status()).federation?.applied_version === '2' ? true : undefined), PRE_GRPC_TIMEOUT_MS, 'update during the flood');
    const stillOpen = probes.filter((p) => !p.socket.destroyed).length;
    expect(stillOpen, 'the update must arrive while the flood is on').toBeGreaterThan(FLOOD / 2);

    // Every flood connection is closed by the primary: the test never closes one itself.
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), PRE_GRPC_TIMEOUT_MS + CLOSE_SLACK_MS).unref());
    const closed = await Promise.race([Promise.all(probes.map((p) => p.closedAt)), deadline]);
    expect(closed, `open after ${(PRE_GRPC_TIMEOUT_MS + CLOSE_SLACK_MS) / 1000} s: ${probes.filter((p) => !p.socket.destroyed).length}`).not.toBe('timeout');
    const lifetimes = probes.map((p, i) => (closed as number[])[i]! - p.openedAt).sort((a, b) => a - b);

    const after = await eventually(async () => {
      const n = await openFiles(pid);
      return n <= baseline + 5 ? n : undefined;
    }, 10_000, 'open files back near the baseline');
    console.log(
      `flood: ${FLOOD} idle TLS connections (${handshaken} completed the handshake); primary open files ${baseline} -> ${duringFlood} -> ${after}, ` +
        `RSS ${rssBefore.toFixed(0)} -> ${rssFlood.toFixed(0)} MB; connections lived ${(lifetimes[0]! / 1000).toFixed(1)}-${(lifetimes.at(-1)! / 1000).toFixed(1)} s ` +
        `(limit ${PRE_GRPC_TIMEOUT_MS / 1000} s); the secondary applied the change with ${stillOpen} still open`,
    );
    // The secondary's stream survived the flood.
    expect((await primary.control.listNodes()).nodes.find((n) => n.name === 'flood-secondary')?.connected).toBe(true);
  });

  it(`refuses connections above ${MAX_CONNECTIONS_PER_ADDRESS} per address at once`, { timeout: PRE_GRPC_TIMEOUT_MS + CLOSE_SLACK_MS + 30_000 }, async () => {
    const extra = 20;
    const probes = Array.from({ length: MAX_CONNECTIONS_PER_ADDRESS + extra }, () => idleConnection(fedPort, '127.0.0.99'));
    const refused: Probe[] = [];
    const admitted: Probe[] = [];
    await Promise.all(
      probes.map(async (p) => {
        await Promise.race([p.closedAt, new Promise((resolve) => p.socket.once('secureConnect', resolve))]);
        (p.handshaken ? admitted : refused).push(p);
      }),
    );
    expect(admitted).toHaveLength(MAX_CONNECTIONS_PER_ADDRESS);
    expect(refused).toHaveLength(extra);
    // Refused ones closed before any admitted one did: at once, not after the pre-gRPC limit.
    const firstAdmittedClose = await Promise.race(admitted.map((p) => p.closedAt));
    const lastRefusedClose = Math.max(...(await Promise.all(refused.map((p) => p.closedAt))));
    expect(lastRefusedClose).toBeLessThanOrEqual(firstAdmittedClose);
    // Another address is not affected by that one's cap.
    const other = idleConnection(fedPort, '127.0.0.98');
    await new Promise((resolve) => other.socket.once('secureConnect', resolve));
    other.socket.destroy();
    await Promise.all(admitted.map((p) => p.closedAt));
  });
});
