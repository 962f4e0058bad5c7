/** A client of the control socket, for the CLI and for tests. */
import * as grpc from '@grpc/grpc-js';
import type { ControlClient } from '../generated/appliance_mail/control/v1/Control.js';
import type { CreateTokenRequest } from '../generated/appliance_mail/control/v1/CreateTokenRequest.js';
import type { CreateTokenReply__Output } from '../generated/appliance_mail/control/v1/CreateTokenReply.js';
import type { JoinRequest } from '../generated/appliance_mail/control/v1/JoinRequest.js';
import type { JoinReply__Output } from '../generated/appliance_mail/control/v1/JoinReply.js';
import type { LeaveRequest } from '../generated/appliance_mail/control/v1/LeaveRequest.js';
import type { LeaveReply__Output } from '../generated/appliance_mail/control/v1/LeaveReply.js';
import type { ListNodesRequest } from '../generated/appliance_mail/control/v1/ListNodesRequest.js';
import type { ListNodesReply__Output } from '../generated/appliance_mail/control/v1/ListNodesReply.js';
import type { RemoveNodeRequest } from '../generated/appliance_mail/control/v1/RemoveNodeRequest.js';
import type { RemoveNodeReply__Output } from '../generated/appliance_mail/control/v1/RemoveNodeReply.js';
import type { SetModeRequest } from '../generated/appliance_mail/control/v1/SetModeRequest.js';
import type { SetModeReply__Output } from '../generated/appliance_mail/control/v1/SetModeReply.js';
import type { StatusRequest } from '../generated/appliance_mail/control/v1/StatusRequest.js';
import type { StatusReply__Output } from '../generated/appliance_mail/control/v1/StatusReply.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import { controlProto } from './service.js';

/** Local calls answer in milliseconds; join waits on the primary, so it gets longer. */
const DEFAULT_DEADLINE_MS = 10_000;
const JOIN_DEADLINE_MS = 30_000;

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

export function connectControl(socketPath: string) {
  const client = new controlProto.Control(`unix:${socketPath}`, grpc.credentials.createInsecure()) as unknown as ControlClient;
  const unreachable = {
    code: 'AM_DAEMON_UNREACHABLE' as const,
    message: `the daemon is not running or not reachable on ${socketPath} (is the service started? is control.socket the same in the config you passed?)`,
  };
  function invoke<Req, Res>(name: keyof ControlClient & string, deadlineMs = DEFAULT_DEADLINE_MS) {
    return async (request: Req): Promise<Res> => {
      const method = (client[name] as unknown as Unary<Req, Res>).bind(client);
      try {
        return await call(method, request, deadlineMs);
      } catch (err) {
        throw fromServiceError(err as grpc.ServiceError, unreachable);
      }
    };
  }
  return {
    status: () => invoke<StatusRequest, StatusReply__Output>('Status')({}),
    createToken: invoke<CreateTokenRequest, CreateTokenReply__Output>('CreateToken'),
    listNodes: () => invoke<ListNodesRequest, ListNodesReply__Output>('ListNodes')({}),
    removeNode: invoke<RemoveNodeRequest, RemoveNodeReply__Output>('RemoveNode'),
    join: invoke<JoinRequest, JoinReply__Output>('Join', JOIN_DEADLINE_MS),
    setMode: invoke<SetModeRequest, SetModeReply__Output>('SetMode'),
    leave: () => invoke<LeaveRequest, LeaveReply__Output>('Leave')({}),
    close: () => client.close(),
  };
}

export type Control = ReturnType<typeof connectControl>;
