/**
 * The federation port's door keeper. Anyone on the network may open a TLS connection to it
 * before proving anything, so the primary owns the listening socket (grpc-js's connection
 * injector) and bounds what such connections can hold: how many per peer address and in total,
 * and how long one may stay open without carrying a gRPC call. Connections that do carry calls
 * are then bounded by the gRPC server's idle limit (FEDERATION_GUARD_SERVER_OPTIONS).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { parseHostPort } from '../util/address.js';
import { AppError } from '../errors/registry.js';
import { listenError } from '../util/server-lifecycle.js';
import type { Logger } from '../log/logger.js';

/**
 * A connection must carry its first gRPC call this soon after it is accepted (TCP, TLS
 * handshake, HTTP/2 preface, first request), or it is closed. A secondary does all of that in
 * one or two round trips; 10 s leaves room for a slow link and bounds how long an idle
 * connection holds a file descriptor and a TLS session.
 */
export const PRE_GRPC_TIMEOUT_MS = 10_000;
/**
 * A connection with no call in progress this long is closed by the gRPC server. A secondary
 * always holds its stream (a Session, or a Watch), so it is never idle; the connection a Join
 * came over carries the node's first Session right after it.
 */
export const IDLE_CONNECTION_MS = 60_000;
/**
 * Connections from one peer address. A secondary holds one (two for a moment while it joins: the
 * certificate fetch; or while it reconnects); 64 leaves room for a few secondaries behind one NAT
 * address while a single attacking host cannot take more than 1/64 of the total.
 */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;
/**
 * All connections at once. Each costs a file descriptor and a TLS session (~30-50 KB): 4,096
 * is twice the largest fleet the benchmark runs (2,000, with its joins and reconnects
 * overlapping) and stays far below the service's file limit (systemd's default soft limit 1,024
 * is raised by Node to the hard limit, 524,288).
 */
export const MAX_CONNECTIONS = 4_096;
/** Refusals are counted and logged at most this often, so that a flood does not flood the log. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** gRPC server options that go with the guard. */
export const FEDERATION_GUARD_SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_connection_idle_ms': IDLE_CONNECTION_MS,
};

interface Tracked {
  socket: Socket;
  address: string;
  carriesGrpc: boolean;
  timer: NodeJS.Timeout;
}

export interface ConnectionGuard {
  /** Server interceptor: marks the connection of every call as one that speaks gRPC. */
  readonly interceptor: grpc.ServerInterceptor;
  /** Listens on `address` (`host:port`) and hands each admitted connection to `injector`. */
  /** Listens on `address` (port 0: the system picks one); resolves with the port bound. */
  listen(address: string, injector: grpc.ConnectionInjector): Promise<number>;
  /**
   * Stops accepting and closes connections that never carried a call; idempotent. Those that
   * did are the gRPC server's to close (gracefully) once its shutdown runs.
   */
  close(): void;
}

export function createConnectionGuard(log: Logger): ConnectionGuard {
  let listener: Server | null = null;
  /** By `address:port` of the peer, as grpc-js reports a call's connection. */
  const connections = new Map<string, Tracked>();
  const perAddress = new Map<string, number>();
  const refused = { perAddress: 0, total: 0 };
  let refusalLog: NodeJS.Timeout | null = null;

  function noteRefusal(reason: 'perAddress' | 'total', address: string): void {
    refused[reason] += 1;
    if (refusalLog !== null) return;
    log.warn({ peer: address, reason, open: connections.size }, 'federation connection refused: too many connections');
    refusalLog = setTimeout(() => {
      refusalLog = null;
      if (refused.perAddress + refused.total > 1) {
        log.warn({ refusedPerAddress: refused.perAddress, refusedTotal: refused.total, open: connections.size }, 'federation connections refused meanwhile');
      }
      refused.perAddress = 0;
      refused.total = 0;
    }, REFUSAL_LOG_INTERVAL_MS);
    refusalLog.unref();
  }

  function admit(socket: Socket, injector: grpc.ConnectionInjector): void {
    // A socket closed before it was handed over has no address; nothing to track.
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= MAX_CONNECTIONS_PER_ADDRESS || connections.size >= MAX_CONNECTIONS) {
      socket.destroy();
      noteRefusal(fromAddress >= MAX_CONNECTIONS_PER_ADDRESS ? 'perAddress' : 'total', address);
      return;
    }
    const key = `${address}:${socket.remotePort}`;
    const tracked: Tracked = {
      socket,
      address,
      carriesGrpc: false,
      timer: setTimeout(() => {
        if (!tracked.carriesGrpc) socket.destroy();
      }, PRE_GRPC_TIMEOUT_MS),
    };
    tracked.timer.unref();
    connections.set(key, tracked);
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      clearTimeout(tracked.timer);
      connections.delete(key);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    // Resets and the like are the TLS layer's to report; the raw socket must not throw them.
    socket.on('error', () => undefined);
    injector.injectConnection(socket);
  }

  const interceptor: grpc.ServerInterceptor = (_method, call) => {
    const peer = call.getConnectionInfo();
    const tracked = connections.get(`${peer.remoteAddress}:${peer.remotePort}`);
    if (tracked && !tracked.carriesGrpc) {
      tracked.carriesGrpc = true;
      clearTimeout(tracked.timer);
    }
    return new grpc.ServerInterceptingCall(call);
  };

  return {
    interceptor,

    async listen(address, injector) {
      const parsed = parseHostPort(address, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_INTERNAL', `federation.listen ${address}: ${parsed.error}`);
      const server = createServer((socket) => admit(socket, injector));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(listenError(err, address, 'federation.listen')));
        server.listen({ host: parsed.host, port: parsed.port }, () => resolve());
      });
      server.on('error', (err) => log.error({ err }, 'federation listener failed'));
      listener = server;
      return (server.address() as AddressInfo).port;
    },

    close() {
      listener?.close();
      listener = null;
      if (refusalLog !== null) clearTimeout(refusalLog);
      refusalLog = null;
      for (const tracked of connections.values()) if (!tracked.carriesGrpc) tracked.socket.destroy();
    },
  };
}
