/**
 * Starting and stopping the daemon's listeners (gRPC, HTTP, SMTP): a failed listen in an
 * operator's words, naming the setting that chose the address, and a bounded graceful shutdown.
 */
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../errors/registry.js';
import { describeConnectionFailure } from './grpc-errors.js';

/**
 * Binds `server` to `address` (as grpc-js spells it: `host:port`, `unix:path`). A taken address
 * is AM_ADDRESS_IN_USE, naming it and the `setting` that chose it; any other failure is said in a
 * few words, never in grpc-js's.
 */
export function bindServer(server: grpc.Server, address: string, credentials: grpc.ServerCredentials, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => (err ? reject(listenError(err, address, setting)) : resolve(port)));
  });
}

/** A failed listen in an operator's words: a taken address is its own error, naming the setting. */
export function listenError(err: Error, address: string, setting: string): AppError {
  if (/EADDRINUSE/.test(err.message) || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new AppError('AM_ADDRESS_IN_USE', `${address} (${setting}) is already in use by another process: stop that process (ss -ltnpx shows which) or choose another ${setting}`, {
      cause: err,
      details: { address },
    });
  }
  return new AppError('AM_INTERNAL', `cannot listen on ${address} (${setting}): ${describeConnectionFailure(err.message)}`, { cause: err });
}

/** Stops accepting, lets calls in flight finish for `graceMs`, then ends the rest. */
export function shutdownServer(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
