/**
 * The gRPC server on the control socket. It owns the socket file: refuses to start over a live
 * daemon, replaces a stale socket left by a crash, sets the file mode that decides who may use it.
 */
import { chmod, mkdir, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../errors/registry.js';
import { bindServer, shutdownServer } from '../util/server-lifecycle.js';

/** A graceful close waits this long for calls in flight, then cuts them. */
const CLOSE_GRACE_MS = 2_000;

export interface SocketServer {
  readonly server: grpc.Server;
  readonly path: string;
  /** Binds the socket; services must have been added first. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface SocketServerLimits {
  /** The largest request read; a larger one is refused from its length prefix, unread. */
  maxRequestBytes: number;
  /** Run before the handlers, e.g. to bound requests in flight (see admission.ts). */
  interceptors: grpc.ServerInterceptor[];
}

export function createSocketServer(path: string, mode: number, limits: SocketServerLimits): SocketServer {
  // channelz tracks every call for a debugging service nobody reads here: ~1 % of the daemon's CPU
  // at 1,000 submissions a second (docs/PROFILE-intake.md).
  const server = new grpc.Server({ 'grpc.max_receive_message_length': limits.maxRequestBytes, 'grpc.enable_channelz': 0, interceptors: limits.interceptors });
  let state: 'new' | 'started' | 'closed' = 'new';
  return {
    server,
    path,
    async start() {
      await mkdir(dirname(path), { recursive: true, mode: 0o750 });
      await removeStaleSocket(path);
      await bindServer(server, `unix:${path}`, grpc.ServerCredentials.createInsecure(), 'control.socket');
      await chmod(path, mode);
      state = 'started';
    },
    async close() {
      if (state === 'closed') return;
      const wasStarted = state === 'started';
      state = 'closed';
      if (!wasStarted) return;
      await shutdownServer(server, CLOSE_GRACE_MS);
      await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Holds every call on the control sockets until the daemon has bound all its listeners and
 * opens the gate: a daemon that is going to fail at start (its admin socket taken, a port in
 * use) answers nothing, and a script never reads the status of a daemon about to exit. Calls
 * held when it fails end with the connection, as UNAVAILABLE.
 */
export interface StartGate {
  readonly interceptor: grpc.ServerInterceptor;
  open(): void;
}

export function createStartGate(): StartGate {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let isOpen = false;
  void opened.then(() => {
    isOpen = true;
  });
  return {
    interceptor: (_method, call) =>
      isOpen
        ? new grpc.ServerInterceptingCall(call)
        : new grpc.ServerInterceptingCall(call, {
            start(next) {
              next({
                // The handler starts once it has the metadata: held back until the gate opens.
                onReceiveMetadata(metadata, passOn) {
                  void opened.then(() => passOn(metadata));
                },
              });
            },
          }),
    open: () => open(),
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing === null) return;
  if (!existing.isSocket()) {
    throw new AppError('AM_INTERNAL', `control socket path ${path} exists and is not a socket; remove it or set control.socket`);
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) {
    throw new AppError('AM_ALREADY_RUNNING', `another appliance-mail daemon is listening on ${path}; stop it first or use another control.socket`);
  }
  await unlink(path);
}
