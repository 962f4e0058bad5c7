/**
 * The Control service (proto/control.proto). It translates between gRPC and the daemon's API;
 * the daemon decides what each call does.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../generated/control.js';
import type { ControlHandlers } from '../generated/appliance_mail/control/v1/Control.js';
import type { StatusReply } from '../generated/appliance_mail/control/v1/StatusReply.js';
import { loadProto } from '../util/proto.js';
import { unary } from '../util/grpc-errors.js';

export const controlProto = loadProto<ProtoGrpcType>('control.proto').appliance_mail.control.v1;

/** What the daemon offers on its control socket. */
export interface ControlApi {
  status(): Promise<StatusReply>;
}

export function addControlService(server: grpc.Server, api: ControlApi): void {
  const handlers: ControlHandlers = {
    Status: unary(() => api.status()),
  };
  server.addService(controlProto.Control.service, handlers);
}
