/**
 * The primary's gRPC server: its options (what bounds each secondary's connection), the door
 * keeper that owns the listening socket (connection-guard.ts), TLS with the primary's identity,
 * and a graceful close.
 */
import * as grpc from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../util/address.js';
import { shutdownServer } from '../util/server-lifecycle.js';
import type { Logger } from '../log/logger.js';
import { federationServerCredentials, type TlsIdentity } from './certificate.js';
import { createConnectionGuard, FEDERATION_GUARD_SERVER_OPTIONS } from './connection-guard.js';

/** Requests from secondaries are a few hundred bytes; anything large is abuse. */
const MAX_REQUEST_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;

/**
 * Sized for ~1,000 secondaries, each holding one connection with one Session stream (profiled at
 * 1,000 streams: scripts/bench/fanout.mjs with FLEET_CPU_PROF). What each idle stream costs in
 * memory, and which of these options bound it: docs/explanation/fleet-memory.md.
 */
export const FEDERATION_SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': MAX_REQUEST_BYTES,
  // channelz keeps per-connection and per-call tracking objects and traces nobody reads here:
  // it was ~4 % of the primary's CPU in a fan-out, and memory on every connection.
  'grpc.enable_channelz': 0,
  // A secondary holds one Session (an older one: a Watch, and one Report call at a time); a few
  // more leave room for a reconnect overlapping the old stream. Bounds what one peer can open on
  // its connection.
  'grpc.max_concurrent_streams': 16,
  // nghttp2's memory per connection, in MB (grpc-js leaves it unbounded): our messages are a few
  // KB and requests at most 64 KB, so 2 MB is never reached by a secondary.
  'grpc-node.max_session_memory': 2,
  // Secondaries ping every 10 s to notice a dead primary; allow it.
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  // The primary's own pings tell it that a secondary vanished (its node list then says
  // disconnected within ~30 s, which operators and tests rely on): 50 pings/s at 1,000
  // secondaries, answered by nghttp2 itself; the idle primary's CPU with 1,000 streams is
  // measured by the fan-out benchmark (primary_idle_cpu_pct).
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export interface PrimaryServer {
  /** Serves `service` on `listen` with TLS; resolves with the address bound (port 0 resolved). */
  listen(listen: string, identity: TlsIdentity): Promise<string>;
  close(): Promise<void>;
}

export function createPrimaryServer(deps: { service: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation; log: Logger }): PrimaryServer {
  const guard = createConnectionGuard(deps.log);
  const server = new grpc.Server({ ...FEDERATION_SERVER_OPTIONS, ...FEDERATION_GUARD_SERVER_OPTIONS, interceptors: [guard.interceptor] });
  server.addService(deps.service, deps.handlers);
  return {
    async listen(listen, identity) {
      // The guard owns the listening socket and hands admitted connections to gRPC.
      const port = await guard.listen(listen, server.createConnectionInjector(federationServerCredentials(identity)));
      const host = parseHostPort(listen, null, { allowPortZero: true });
      return 'error' in host ? listen : formatHostPort({ host: host.host, port });
    },
    async close() {
      guard.close();
      await shutdownServer(server, CLOSE_GRACE_MS);
    },
  };
}
