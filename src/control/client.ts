/** A client of the control socket, for the CLI and for tests. */
import * as grpc from '@grpc/grpc-js';
import type { ControlClient } from '../generated/appliance_mail/control/v1/Control.js';
import type { StatusReply__Output } from '../generated/appliance_mail/control/v1/StatusReply.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import { controlProto } from './service.js';

/** Local calls answer in milliseconds; a few seconds covers a busy daemon without a hung CLI. */
const DEFAULT_DEADLINE_MS = 10_000;

export interface Control {
  status(): Promise<StatusReply__Output>;
  close(): void;
}

export function connectControl(socketPath: string): Control {
  const client = new controlProto.Control(`unix:${socketPath}`, grpc.credentials.createInsecure()) as unknown as ControlClient;
  const unreachable = {
    code: 'AM_DAEMON_UNREACHABLE' as const,
    message: `the daemon is not running or not reachable on ${socketPath} (is the service started? is control.socket the same in the config you passed?)`,
  };
  async function invoke<Req, Res>(method: (r: Req, o: grpc.CallOptions, cb: grpc.requestCallback<Res>) => unknown, request: Req, deadlineMs = DEFAULT_DEADLINE_MS): Promise<Res> {
    try {
      return await call(method.bind(client), request, deadlineMs);
    } catch (err) {
      throw fromServiceError(err as grpc.ServiceError, unreachable);
    }
  }
  return {
    status: () => invoke(client.Status, {}),
    close: () => client.close(),
  };
}
