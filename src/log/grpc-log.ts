/**
 * grpc-js writes its own lines to stderr ("E No address added out of total 1 resolved"). The
 * operator gets our errors instead, which say the same in words (util/grpc-errors.ts); grpc-js's
 * lines go to the daemon's log at debug, or nowhere in the CLI. GRPC_VERBOSITY and GRPC_TRACE
 * still choose what grpc-js says; this only chooses where it goes.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from './logger.js';

export function routeGrpcLogs(log: Logger | null): void {
  const write = log === null ? () => undefined : (...args: unknown[]) => log.debug({ component: 'grpc' }, args.map(String).join(' '));
  grpc.setLogger({ error: write, info: write, debug: write });
}
