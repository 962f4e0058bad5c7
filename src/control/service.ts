/**
 * The Control service (proto/control.proto). It translates between gRPC and the daemon's API;
 * the daemon decides what each call does.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../generated/control.js';
import type { ControlHandlers } from '../generated/appliance_mail/control/v1/Control.js';
import type { CreateTokenReply } from '../generated/appliance_mail/control/v1/CreateTokenReply.js';
import type { JoinReply } from '../generated/appliance_mail/control/v1/JoinReply.js';
import type { JoinRequest__Output } from '../generated/appliance_mail/control/v1/JoinRequest.js';
import type { ListNodesReply } from '../generated/appliance_mail/control/v1/ListNodesReply.js';
import type { StatusReply } from '../generated/appliance_mail/control/v1/StatusReply.js';
import { loadProto } from '../util/proto.js';
import { unary } from '../util/grpc-errors.js';

export const controlProto = loadProto<ProtoGrpcType>('control.proto').appliance_mail.control.v1;

/** What the daemon offers on its control socket. */
export interface ControlApi {
  status(): Promise<StatusReply>;
  createToken(ttlSeconds: number): Promise<CreateTokenReply>;
  listNodes(): Promise<ListNodesReply>;
  removeNode(name: string): Promise<void>;
  join(request: JoinRequest__Output): Promise<JoinReply>;
  setMode(mode: string): Promise<string>;
  leave(): Promise<string>;
}

export function addControlService(server: grpc.Server, api: ControlApi): void {
  const handlers: ControlHandlers = {
    Status: unary(() => api.status()),
    CreateToken: unary((request) => api.createToken(request.ttl_seconds)),
    ListNodes: unary(() => api.listNodes()),
    RemoveNode: unary(async (request) => {
      await api.removeNode(request.name);
      return {};
    }),
    Join: unary((request) => api.join(request)),
    SetMode: unary(async (request) => ({ mode: await api.setMode(request.mode) })),
    Leave: unary(async () => ({ primary: await api.leave() })),
  };
  server.addService(controlProto.Control.service, handlers);
}
