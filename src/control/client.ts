/** A client of the control socket, for the CLI and for tests. */
import { userInfo } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { ControlClient } from '../generated/appliance_mail/control/v1/Control.js';
import type { CreateTokenRequest } from '../generated/appliance_mail/control/v1/CreateTokenRequest.js';
import type { CreateTokenReply__Output } from '../generated/appliance_mail/control/v1/CreateTokenReply.js';
import type { ListTokensRequest } from '../generated/appliance_mail/control/v1/ListTokensRequest.js';
import type { ListTokensReply__Output } from '../generated/appliance_mail/control/v1/ListTokensReply.js';
import type { DeleteTokenRequest } from '../generated/appliance_mail/control/v1/DeleteTokenRequest.js';
import type { DeleteTokenReply__Output } from '../generated/appliance_mail/control/v1/DeleteTokenReply.js';
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
import type { SubmitRequest } from '../generated/appliance_mail/control/v1/SubmitRequest.js';
import type { SubmitReply__Output } from '../generated/appliance_mail/control/v1/SubmitReply.js';
import type { SubmitRawRequest } from '../generated/appliance_mail/control/v1/SubmitRawRequest.js';
import type { SubmitRawReply__Output } from '../generated/appliance_mail/control/v1/SubmitRawReply.js';
import type { NotifyRequest } from '../generated/appliance_mail/control/v1/NotifyRequest.js';
import type { SubmitDigestRequest } from '../generated/appliance_mail/control/v1/SubmitDigestRequest.js';
import type { ListOutboxRequest } from '../generated/appliance_mail/control/v1/ListOutboxRequest.js';
import type { ListOutboxReply__Output } from '../generated/appliance_mail/control/v1/ListOutboxReply.js';
import type { RetryOutboxRequest } from '../generated/appliance_mail/control/v1/RetryOutboxRequest.js';
import type { RetryOutboxReply__Output } from '../generated/appliance_mail/control/v1/RetryOutboxReply.js';
import type { DropOutboxRequest } from '../generated/appliance_mail/control/v1/DropOutboxRequest.js';
import type { DropOutboxReply__Output } from '../generated/appliance_mail/control/v1/DropOutboxReply.js';
import type { FlushOutboxRequest } from '../generated/appliance_mail/control/v1/FlushOutboxRequest.js';
import type { FlushOutboxReply__Output } from '../generated/appliance_mail/control/v1/FlushOutboxReply.js';
import type { SetConsolePasswordRequest } from '../generated/appliance_mail/control/v1/SetConsolePasswordRequest.js';
import type { SetConsolePasswordReply__Output } from '../generated/appliance_mail/control/v1/SetConsolePasswordReply.js';
import type { RemoveConsoleUserRequest } from '../generated/appliance_mail/control/v1/RemoveConsoleUserRequest.js';
import type { RemoveConsoleUserReply__Output } from '../generated/appliance_mail/control/v1/RemoveConsoleUserReply.js';
import type { TestEmailRequest } from '../generated/appliance_mail/control/v1/TestEmailRequest.js';
import type { TestEmailStep__Output } from '../generated/appliance_mail/control/v1/TestEmailStep.js';
import type { StatusRequest } from '../generated/appliance_mail/control/v1/StatusRequest.js';
import type { StatusReply__Output } from '../generated/appliance_mail/control/v1/StatusReply.js';
import type { HistoryRequest } from '../generated/appliance_mail/control/v1/HistoryRequest.js';
import type { HistoryReply__Output } from '../generated/appliance_mail/control/v1/HistoryReply.js';
import type { HistoryEntryRequest } from '../generated/appliance_mail/control/v1/HistoryEntryRequest.js';
import type { HistoryEntryReply__Output } from '../generated/appliance_mail/control/v1/HistoryEntryReply.js';
import type { RevertRequest } from '../generated/appliance_mail/control/v1/RevertRequest.js';
import type { RevertReply__Output } from '../generated/appliance_mail/control/v1/RevertReply.js';
import { AppError } from '../errors/registry.js';
import { call, fromServiceError } from '../util/grpc-errors.js';
import { controlProto } from './service.js';

/** Local calls answer in milliseconds; join waits on the primary, so it gets longer. */
const DEFAULT_DEADLINE_MS = 10_000;
const JOIN_DEADLINE_MS = 30_000;
/** Connect, STARTTLS, AUTH and DATA, each bounded by the transport's own timeouts. */
const TEST_EMAIL_DEADLINE_MS = 90_000;

/** Calls whose request carries a message, and so may be larger than the socket takes. */
const REQUEST_CARRYING = new Set(['Submit', 'Notify', 'SubmitDigest']);

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

export function connectControl(socketPath: string) {
  const client = new controlProto.Control(`unix:${socketPath}`, grpc.credentials.createInsecure()) as unknown as ControlClient;
  const unreachable = {
    code: 'AM_DAEMON_UNREACHABLE' as const,
    message: `the daemon is not running or not reachable on ${socketPath}`,
    hint: 'Is the service started? Is control.socket the same in the config you passed?',
  };
  function invoke<Req, Res>(name: keyof ControlClient & string, deadlineMs = DEFAULT_DEADLINE_MS) {
    return async (request: Req): Promise<Res> => {
      const method = (client[name] as unknown as Unary<Req, Res>).bind(client);
      try {
        return await call(method, request, deadlineMs, callerMetadata());
      } catch (err) {
        const serviceError = err as grpc.ServiceError;
        // gRPC itself refuses a request over the socket's limit, before the daemon's code runs.
        if (REQUEST_CARRYING.has(name) && serviceError.code === grpc.status.RESOURCE_EXHAUSTED && serviceError.metadata?.get('am-error-code').length === 0) {
          throw new AppError('AM_MESSAGE_TOO_LARGE', `request refused unread (${serviceError.details}): the control socket takes relay.maxMessageBytes, as it was when the daemon started, plus 1 MiB`, { cause: err });
        }
        throw fromServiceError(serviceError, unreachable);
      }
    };
  }
  return {
    status: () => invoke<StatusRequest, StatusReply__Output>('Status')({}),
    createToken: invoke<CreateTokenRequest, CreateTokenReply__Output>('CreateToken'),
    listTokens: () => invoke<ListTokensRequest, ListTokensReply__Output>('ListTokens')({}),
    deleteToken: invoke<DeleteTokenRequest, DeleteTokenReply__Output>('DeleteToken'),
    listNodes: () => invoke<ListNodesRequest, ListNodesReply__Output>('ListNodes')({}),
    removeNode: invoke<RemoveNodeRequest, RemoveNodeReply__Output>('RemoveNode'),
    join: invoke<JoinRequest, JoinReply__Output>('Join', JOIN_DEADLINE_MS),
    setMode: invoke<SetModeRequest, SetModeReply__Output>('SetMode'),
    leave: () => invoke<LeaveRequest, LeaveReply__Output>('Leave')({}),
    submit: invoke<SubmitRequest, SubmitReply__Output>('Submit'),
    submitRaw: invoke<SubmitRawRequest, SubmitRawReply__Output>('SubmitRaw'),
    notify: invoke<NotifyRequest, SubmitReply__Output>('Notify'),
    submitDigest: invoke<SubmitDigestRequest, SubmitReply__Output>('SubmitDigest'),
    listOutbox: () => invoke<ListOutboxRequest, ListOutboxReply__Output>('ListOutbox')({}),
    retryOutbox: invoke<RetryOutboxRequest, RetryOutboxReply__Output>('RetryOutbox'),
    dropOutbox: invoke<DropOutboxRequest, DropOutboxReply__Output>('DropOutbox'),
    flushOutbox: () => invoke<FlushOutboxRequest, FlushOutboxReply__Output>('FlushOutbox')({}),
    setConsolePassword: invoke<SetConsolePasswordRequest, SetConsolePasswordReply__Output>('SetConsolePassword'),
    removeConsoleUser: invoke<RemoveConsoleUserRequest, RemoveConsoleUserReply__Output>('RemoveConsoleUser'),
    history: invoke<HistoryRequest, HistoryReply__Output>('History'),
    historyEntry: invoke<HistoryEntryRequest, HistoryEntryReply__Output>('HistoryEntry'),
    /** Waits for the live reload, which takes up to 5 s before the daemon says "not applied yet". */
    revert: invoke<RevertRequest, RevertReply__Output>('Revert', JOIN_DEADLINE_MS),
    /** Calls `onStep` for each step as the daemon reports it. */
    testEmail(request: TestEmailRequest, onStep: (step: TestEmailStep__Output) => void): Promise<void> {
      return new Promise((resolve, reject) => {
        const stream = client.TestEmail(request, { deadline: Date.now() + TEST_EMAIL_DEADLINE_MS });
        stream.on('data', onStep);
        stream.on('error', (err: grpc.ServiceError) => reject(fromServiceError(err, unreachable)));
        stream.on('end', () => resolve());
      });
    },
    close: () => client.close(),
  };
}

export type Control = ReturnType<typeof connectControl>;

/** The user this CLI runs as, for the audit trail's actor (the daemon marks it as the CLI's word). */
function callerMetadata(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  try {
    metadata.set('am-user', userInfo().username);
  } catch {
    // A uid without a passwd entry: the trail says "admin socket".
  }
  return metadata;
}
