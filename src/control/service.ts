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
import type { SubmitRequest__Output } from '../generated/appliance_mail/control/v1/SubmitRequest.js';
import type { SubmitReply } from '../generated/appliance_mail/control/v1/SubmitReply.js';
import type { NotifyRequest__Output } from '../generated/appliance_mail/control/v1/NotifyRequest.js';
import type { SubmitDigestRequest__Output } from '../generated/appliance_mail/control/v1/SubmitDigestRequest.js';
import type { OutboxEntry } from '../generated/appliance_mail/control/v1/OutboxEntry.js';
import type { TestEmailStep } from '../generated/appliance_mail/control/v1/TestEmailStep.js';
import { toServiceError } from '../util/grpc-errors.js';
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
  submit(request: SubmitRequest__Output): Promise<SubmitReply>;
  listOutbox(): Promise<OutboxEntry[]>;
  retryOutbox(ids: string[], allDead: boolean): Promise<number>;
  dropOutbox(ids: string[], allDead: boolean): Promise<number>;
  flushOutbox(): Promise<number>;
  notify(request: NotifyRequest__Output): Promise<SubmitReply>;
  submitDigest(request: SubmitDigestRequest__Output): Promise<SubmitReply>;
  /** Streams the steps through `onStep`; resolves when the test is over. */
  testEmail(to: string[], onStep: (step: TestEmailStep) => void): Promise<void>;
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
    Submit: unary((request) => api.submit(request)),
    ListOutbox: unary(async () => ({ entries: await api.listOutbox() })),
    RetryOutbox: unary(async (request) => ({ requeued: await api.retryOutbox(request.ids, request.all_dead) })),
    DropOutbox: unary(async (request) => ({
      dropped: await api.dropOutbox(request.id === '' ? request.ids : [request.id, ...request.ids], request.all_dead),
    })),
    FlushOutbox: unary(async () => ({ deferred: await api.flushOutbox() })),
    Notify: unary((request) => api.notify(request)),
    SubmitDigest: unary((request) => api.submitDigest(request)),
    TestEmail: (call) => {
      api.testEmail(call.request.to, (step) => call.write(step)).then(
        () => call.end(),
        (err: unknown) => call.emit('error', toServiceError(err)),
      );
    },
  };
  server.addService(controlProto.Control.service, handlers);
}
