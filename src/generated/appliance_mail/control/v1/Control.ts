// Original file: proto/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTokenReply as _appliance_mail_control_v1_CreateTokenReply, CreateTokenReply__Output as _appliance_mail_control_v1_CreateTokenReply__Output } from '../../../appliance_mail/control/v1/CreateTokenReply.js';
import type { CreateTokenRequest as _appliance_mail_control_v1_CreateTokenRequest, CreateTokenRequest__Output as _appliance_mail_control_v1_CreateTokenRequest__Output } from '../../../appliance_mail/control/v1/CreateTokenRequest.js';
import type { DeleteTokenReply as _appliance_mail_control_v1_DeleteTokenReply, DeleteTokenReply__Output as _appliance_mail_control_v1_DeleteTokenReply__Output } from '../../../appliance_mail/control/v1/DeleteTokenReply.js';
import type { DeleteTokenRequest as _appliance_mail_control_v1_DeleteTokenRequest, DeleteTokenRequest__Output as _appliance_mail_control_v1_DeleteTokenRequest__Output } from '../../../appliance_mail/control/v1/DeleteTokenRequest.js';
import type { DropOutboxReply as _appliance_mail_control_v1_DropOutboxReply, DropOutboxReply__Output as _appliance_mail_control_v1_DropOutboxReply__Output } from '../../../appliance_mail/control/v1/DropOutboxReply.js';
import type { DropOutboxRequest as _appliance_mail_control_v1_DropOutboxRequest, DropOutboxRequest__Output as _appliance_mail_control_v1_DropOutboxRequest__Output } from '../../../appliance_mail/control/v1/DropOutboxRequest.js';
import type { FlushOutboxReply as _appliance_mail_control_v1_FlushOutboxReply, FlushOutboxReply__Output as _appliance_mail_control_v1_FlushOutboxReply__Output } from '../../../appliance_mail/control/v1/FlushOutboxReply.js';
import type { FlushOutboxRequest as _appliance_mail_control_v1_FlushOutboxRequest, FlushOutboxRequest__Output as _appliance_mail_control_v1_FlushOutboxRequest__Output } from '../../../appliance_mail/control/v1/FlushOutboxRequest.js';
import type { HistoryEntryReply as _appliance_mail_control_v1_HistoryEntryReply, HistoryEntryReply__Output as _appliance_mail_control_v1_HistoryEntryReply__Output } from '../../../appliance_mail/control/v1/HistoryEntryReply.js';
import type { HistoryEntryRequest as _appliance_mail_control_v1_HistoryEntryRequest, HistoryEntryRequest__Output as _appliance_mail_control_v1_HistoryEntryRequest__Output } from '../../../appliance_mail/control/v1/HistoryEntryRequest.js';
import type { HistoryReply as _appliance_mail_control_v1_HistoryReply, HistoryReply__Output as _appliance_mail_control_v1_HistoryReply__Output } from '../../../appliance_mail/control/v1/HistoryReply.js';
import type { HistoryRequest as _appliance_mail_control_v1_HistoryRequest, HistoryRequest__Output as _appliance_mail_control_v1_HistoryRequest__Output } from '../../../appliance_mail/control/v1/HistoryRequest.js';
import type { JoinReply as _appliance_mail_control_v1_JoinReply, JoinReply__Output as _appliance_mail_control_v1_JoinReply__Output } from '../../../appliance_mail/control/v1/JoinReply.js';
import type { JoinRequest as _appliance_mail_control_v1_JoinRequest, JoinRequest__Output as _appliance_mail_control_v1_JoinRequest__Output } from '../../../appliance_mail/control/v1/JoinRequest.js';
import type { LeaveReply as _appliance_mail_control_v1_LeaveReply, LeaveReply__Output as _appliance_mail_control_v1_LeaveReply__Output } from '../../../appliance_mail/control/v1/LeaveReply.js';
import type { LeaveRequest as _appliance_mail_control_v1_LeaveRequest, LeaveRequest__Output as _appliance_mail_control_v1_LeaveRequest__Output } from '../../../appliance_mail/control/v1/LeaveRequest.js';
import type { ListNodesReply as _appliance_mail_control_v1_ListNodesReply, ListNodesReply__Output as _appliance_mail_control_v1_ListNodesReply__Output } from '../../../appliance_mail/control/v1/ListNodesReply.js';
import type { ListNodesRequest as _appliance_mail_control_v1_ListNodesRequest, ListNodesRequest__Output as _appliance_mail_control_v1_ListNodesRequest__Output } from '../../../appliance_mail/control/v1/ListNodesRequest.js';
import type { ListOutboxReply as _appliance_mail_control_v1_ListOutboxReply, ListOutboxReply__Output as _appliance_mail_control_v1_ListOutboxReply__Output } from '../../../appliance_mail/control/v1/ListOutboxReply.js';
import type { ListOutboxRequest as _appliance_mail_control_v1_ListOutboxRequest, ListOutboxRequest__Output as _appliance_mail_control_v1_ListOutboxRequest__Output } from '../../../appliance_mail/control/v1/ListOutboxRequest.js';
import type { ListTokensReply as _appliance_mail_control_v1_ListTokensReply, ListTokensReply__Output as _appliance_mail_control_v1_ListTokensReply__Output } from '../../../appliance_mail/control/v1/ListTokensReply.js';
import type { ListTokensRequest as _appliance_mail_control_v1_ListTokensRequest, ListTokensRequest__Output as _appliance_mail_control_v1_ListTokensRequest__Output } from '../../../appliance_mail/control/v1/ListTokensRequest.js';
import type { NotifyRequest as _appliance_mail_control_v1_NotifyRequest, NotifyRequest__Output as _appliance_mail_control_v1_NotifyRequest__Output } from '../../../appliance_mail/control/v1/NotifyRequest.js';
import type { RemoveConsoleUserReply as _appliance_mail_control_v1_RemoveConsoleUserReply, RemoveConsoleUserReply__Output as _appliance_mail_control_v1_RemoveConsoleUserReply__Output } from '../../../appliance_mail/control/v1/RemoveConsoleUserReply.js';
import type { RemoveConsoleUserRequest as _appliance_mail_control_v1_RemoveConsoleUserRequest, RemoveConsoleUserRequest__Output as _appliance_mail_control_v1_RemoveConsoleUserRequest__Output } from '../../../appliance_mail/control/v1/RemoveConsoleUserRequest.js';
import type { RemoveNodeReply as _appliance_mail_control_v1_RemoveNodeReply, RemoveNodeReply__Output as _appliance_mail_control_v1_RemoveNodeReply__Output } from '../../../appliance_mail/control/v1/RemoveNodeReply.js';
import type { RemoveNodeRequest as _appliance_mail_control_v1_RemoveNodeRequest, RemoveNodeRequest__Output as _appliance_mail_control_v1_RemoveNodeRequest__Output } from '../../../appliance_mail/control/v1/RemoveNodeRequest.js';
import type { RetryOutboxReply as _appliance_mail_control_v1_RetryOutboxReply, RetryOutboxReply__Output as _appliance_mail_control_v1_RetryOutboxReply__Output } from '../../../appliance_mail/control/v1/RetryOutboxReply.js';
import type { RetryOutboxRequest as _appliance_mail_control_v1_RetryOutboxRequest, RetryOutboxRequest__Output as _appliance_mail_control_v1_RetryOutboxRequest__Output } from '../../../appliance_mail/control/v1/RetryOutboxRequest.js';
import type { RevertReply as _appliance_mail_control_v1_RevertReply, RevertReply__Output as _appliance_mail_control_v1_RevertReply__Output } from '../../../appliance_mail/control/v1/RevertReply.js';
import type { RevertRequest as _appliance_mail_control_v1_RevertRequest, RevertRequest__Output as _appliance_mail_control_v1_RevertRequest__Output } from '../../../appliance_mail/control/v1/RevertRequest.js';
import type { SetConsolePasswordReply as _appliance_mail_control_v1_SetConsolePasswordReply, SetConsolePasswordReply__Output as _appliance_mail_control_v1_SetConsolePasswordReply__Output } from '../../../appliance_mail/control/v1/SetConsolePasswordReply.js';
import type { SetConsolePasswordRequest as _appliance_mail_control_v1_SetConsolePasswordRequest, SetConsolePasswordRequest__Output as _appliance_mail_control_v1_SetConsolePasswordRequest__Output } from '../../../appliance_mail/control/v1/SetConsolePasswordRequest.js';
import type { SetModeReply as _appliance_mail_control_v1_SetModeReply, SetModeReply__Output as _appliance_mail_control_v1_SetModeReply__Output } from '../../../appliance_mail/control/v1/SetModeReply.js';
import type { SetModeRequest as _appliance_mail_control_v1_SetModeRequest, SetModeRequest__Output as _appliance_mail_control_v1_SetModeRequest__Output } from '../../../appliance_mail/control/v1/SetModeRequest.js';
import type { StatusReply as _appliance_mail_control_v1_StatusReply, StatusReply__Output as _appliance_mail_control_v1_StatusReply__Output } from '../../../appliance_mail/control/v1/StatusReply.js';
import type { StatusRequest as _appliance_mail_control_v1_StatusRequest, StatusRequest__Output as _appliance_mail_control_v1_StatusRequest__Output } from '../../../appliance_mail/control/v1/StatusRequest.js';
import type { SubmitDigestRequest as _appliance_mail_control_v1_SubmitDigestRequest, SubmitDigestRequest__Output as _appliance_mail_control_v1_SubmitDigestRequest__Output } from '../../../appliance_mail/control/v1/SubmitDigestRequest.js';
import type { SubmitRawReply as _appliance_mail_control_v1_SubmitRawReply, SubmitRawReply__Output as _appliance_mail_control_v1_SubmitRawReply__Output } from '../../../appliance_mail/control/v1/SubmitRawReply.js';
import type { SubmitRawRequest as _appliance_mail_control_v1_SubmitRawRequest, SubmitRawRequest__Output as _appliance_mail_control_v1_SubmitRawRequest__Output } from '../../../appliance_mail/control/v1/SubmitRawRequest.js';
import type { SubmitReply as _appliance_mail_control_v1_SubmitReply, SubmitReply__Output as _appliance_mail_control_v1_SubmitReply__Output } from '../../../appliance_mail/control/v1/SubmitReply.js';
import type { SubmitRequest as _appliance_mail_control_v1_SubmitRequest, SubmitRequest__Output as _appliance_mail_control_v1_SubmitRequest__Output } from '../../../appliance_mail/control/v1/SubmitRequest.js';
import type { TestEmailRequest as _appliance_mail_control_v1_TestEmailRequest, TestEmailRequest__Output as _appliance_mail_control_v1_TestEmailRequest__Output } from '../../../appliance_mail/control/v1/TestEmailRequest.js';
import type { TestEmailStep as _appliance_mail_control_v1_TestEmailStep, TestEmailStep__Output as _appliance_mail_control_v1_TestEmailStep__Output } from '../../../appliance_mail/control/v1/TestEmailStep.js';

export interface ControlClient extends grpc.Client {
  CreateToken(argument: _appliance_mail_control_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _appliance_mail_control_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _appliance_mail_control_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _appliance_mail_control_v1_CreateTokenRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _appliance_mail_control_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _appliance_mail_control_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _appliance_mail_control_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  createToken(argument: _appliance_mail_control_v1_CreateTokenRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_CreateTokenReply__Output>): grpc.ClientUnaryCall;
  
  DeleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  DeleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  DeleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  DeleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  deleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  deleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  deleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  deleteToken(argument: _appliance_mail_control_v1_DeleteTokenRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_DeleteTokenReply__Output>): grpc.ClientUnaryCall;
  
  DropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  DropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  DropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  DropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  dropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  dropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  dropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  dropOutbox(argument: _appliance_mail_control_v1_DropOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_DropOutboxReply__Output>): grpc.ClientUnaryCall;
  
  FlushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  FlushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  FlushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  FlushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  flushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  flushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  flushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  flushOutbox(argument: _appliance_mail_control_v1_FlushOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_FlushOutboxReply__Output>): grpc.ClientUnaryCall;
  
  History(argument: _appliance_mail_control_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _appliance_mail_control_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _appliance_mail_control_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _appliance_mail_control_v1_HistoryRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _appliance_mail_control_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _appliance_mail_control_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _appliance_mail_control_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _appliance_mail_control_v1_HistoryRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  
  HistoryEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  HistoryEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  HistoryEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  HistoryEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  historyEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  historyEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  historyEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  historyEntry(argument: _appliance_mail_control_v1_HistoryEntryRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_HistoryEntryReply__Output>): grpc.ClientUnaryCall;
  
  Join(argument: _appliance_mail_control_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_control_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_control_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_control_v1_JoinRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_control_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_control_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_control_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_control_v1_JoinRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  
  Leave(argument: _appliance_mail_control_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  Leave(argument: _appliance_mail_control_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  Leave(argument: _appliance_mail_control_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  Leave(argument: _appliance_mail_control_v1_LeaveRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  leave(argument: _appliance_mail_control_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  leave(argument: _appliance_mail_control_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  leave(argument: _appliance_mail_control_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  leave(argument: _appliance_mail_control_v1_LeaveRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_LeaveReply__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _appliance_mail_control_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _appliance_mail_control_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _appliance_mail_control_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _appliance_mail_control_v1_ListNodesRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _appliance_mail_control_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _appliance_mail_control_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _appliance_mail_control_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _appliance_mail_control_v1_ListNodesRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  
  ListOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  ListOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  ListOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  ListOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  listOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  listOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  listOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  listOutbox(argument: _appliance_mail_control_v1_ListOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListOutboxReply__Output>): grpc.ClientUnaryCall;
  
  ListTokens(argument: _appliance_mail_control_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _appliance_mail_control_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _appliance_mail_control_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _appliance_mail_control_v1_ListTokensRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _appliance_mail_control_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _appliance_mail_control_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _appliance_mail_control_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _appliance_mail_control_v1_ListTokensRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_ListTokensReply__Output>): grpc.ClientUnaryCall;
  
  Notify(argument: _appliance_mail_control_v1_NotifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Notify(argument: _appliance_mail_control_v1_NotifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Notify(argument: _appliance_mail_control_v1_NotifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Notify(argument: _appliance_mail_control_v1_NotifyRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  notify(argument: _appliance_mail_control_v1_NotifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  notify(argument: _appliance_mail_control_v1_NotifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  notify(argument: _appliance_mail_control_v1_NotifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  notify(argument: _appliance_mail_control_v1_NotifyRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  
  RemoveConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  RemoveConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  RemoveConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  RemoveConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  removeConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  removeConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  removeConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  removeConsoleUser(argument: _appliance_mail_control_v1_RemoveConsoleUserRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveConsoleUserReply__Output>): grpc.ClientUnaryCall;
  
  RemoveNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _appliance_mail_control_v1_RemoveNodeRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RemoveNodeReply__Output>): grpc.ClientUnaryCall;
  
  RetryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  RetryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  RetryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  RetryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  retryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  retryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  retryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  retryOutbox(argument: _appliance_mail_control_v1_RetryOutboxRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RetryOutboxReply__Output>): grpc.ClientUnaryCall;
  
  Revert(argument: _appliance_mail_control_v1_RevertRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  Revert(argument: _appliance_mail_control_v1_RevertRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  Revert(argument: _appliance_mail_control_v1_RevertRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  Revert(argument: _appliance_mail_control_v1_RevertRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  revert(argument: _appliance_mail_control_v1_RevertRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  revert(argument: _appliance_mail_control_v1_RevertRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  revert(argument: _appliance_mail_control_v1_RevertRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  revert(argument: _appliance_mail_control_v1_RevertRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_RevertReply__Output>): grpc.ClientUnaryCall;
  
  SetConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  SetConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  SetConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  SetConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  setConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  setConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  setConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  setConsolePassword(argument: _appliance_mail_control_v1_SetConsolePasswordRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SetConsolePasswordReply__Output>): grpc.ClientUnaryCall;
  
  SetMode(argument: _appliance_mail_control_v1_SetModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  SetMode(argument: _appliance_mail_control_v1_SetModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  SetMode(argument: _appliance_mail_control_v1_SetModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  SetMode(argument: _appliance_mail_control_v1_SetModeRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  setMode(argument: _appliance_mail_control_v1_SetModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  setMode(argument: _appliance_mail_control_v1_SetModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  setMode(argument: _appliance_mail_control_v1_SetModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  setMode(argument: _appliance_mail_control_v1_SetModeRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SetModeReply__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  Submit(argument: _appliance_mail_control_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _appliance_mail_control_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _appliance_mail_control_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  Submit(argument: _appliance_mail_control_v1_SubmitRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _appliance_mail_control_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _appliance_mail_control_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _appliance_mail_control_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submit(argument: _appliance_mail_control_v1_SubmitRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  
  SubmitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  SubmitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  SubmitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  SubmitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  submitDigest(argument: _appliance_mail_control_v1_SubmitDigestRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitReply__Output>): grpc.ClientUnaryCall;
  
  SubmitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  SubmitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  SubmitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  SubmitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  submitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  submitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  submitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  submitRaw(argument: _appliance_mail_control_v1_SubmitRawRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_SubmitRawReply__Output>): grpc.ClientUnaryCall;
  
  TestEmail(argument: _appliance_mail_control_v1_TestEmailRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_control_v1_TestEmailStep__Output>;
  TestEmail(argument: _appliance_mail_control_v1_TestEmailRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_control_v1_TestEmailStep__Output>;
  testEmail(argument: _appliance_mail_control_v1_TestEmailRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_control_v1_TestEmailStep__Output>;
  testEmail(argument: _appliance_mail_control_v1_TestEmailRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_control_v1_TestEmailStep__Output>;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  CreateToken: grpc.handleUnaryCall<_appliance_mail_control_v1_CreateTokenRequest__Output, _appliance_mail_control_v1_CreateTokenReply>;
  
  DeleteToken: grpc.handleUnaryCall<_appliance_mail_control_v1_DeleteTokenRequest__Output, _appliance_mail_control_v1_DeleteTokenReply>;
  
  DropOutbox: grpc.handleUnaryCall<_appliance_mail_control_v1_DropOutboxRequest__Output, _appliance_mail_control_v1_DropOutboxReply>;
  
  FlushOutbox: grpc.handleUnaryCall<_appliance_mail_control_v1_FlushOutboxRequest__Output, _appliance_mail_control_v1_FlushOutboxReply>;
  
  History: grpc.handleUnaryCall<_appliance_mail_control_v1_HistoryRequest__Output, _appliance_mail_control_v1_HistoryReply>;
  
  HistoryEntry: grpc.handleUnaryCall<_appliance_mail_control_v1_HistoryEntryRequest__Output, _appliance_mail_control_v1_HistoryEntryReply>;
  
  Join: grpc.handleUnaryCall<_appliance_mail_control_v1_JoinRequest__Output, _appliance_mail_control_v1_JoinReply>;
  
  Leave: grpc.handleUnaryCall<_appliance_mail_control_v1_LeaveRequest__Output, _appliance_mail_control_v1_LeaveReply>;
  
  ListNodes: grpc.handleUnaryCall<_appliance_mail_control_v1_ListNodesRequest__Output, _appliance_mail_control_v1_ListNodesReply>;
  
  ListOutbox: grpc.handleUnaryCall<_appliance_mail_control_v1_ListOutboxRequest__Output, _appliance_mail_control_v1_ListOutboxReply>;
  
  ListTokens: grpc.handleUnaryCall<_appliance_mail_control_v1_ListTokensRequest__Output, _appliance_mail_control_v1_ListTokensReply>;
  
  Notify: grpc.handleUnaryCall<_appliance_mail_control_v1_NotifyRequest__Output, _appliance_mail_control_v1_SubmitReply>;
  
  RemoveConsoleUser: grpc.handleUnaryCall<_appliance_mail_control_v1_RemoveConsoleUserRequest__Output, _appliance_mail_control_v1_RemoveConsoleUserReply>;
  
  RemoveNode: grpc.handleUnaryCall<_appliance_mail_control_v1_RemoveNodeRequest__Output, _appliance_mail_control_v1_RemoveNodeReply>;
  
  RetryOutbox: grpc.handleUnaryCall<_appliance_mail_control_v1_RetryOutboxRequest__Output, _appliance_mail_control_v1_RetryOutboxReply>;
  
  Revert: grpc.handleUnaryCall<_appliance_mail_control_v1_RevertRequest__Output, _appliance_mail_control_v1_RevertReply>;
  
  SetConsolePassword: grpc.handleUnaryCall<_appliance_mail_control_v1_SetConsolePasswordRequest__Output, _appliance_mail_control_v1_SetConsolePasswordReply>;
  
  SetMode: grpc.handleUnaryCall<_appliance_mail_control_v1_SetModeRequest__Output, _appliance_mail_control_v1_SetModeReply>;
  
  Status: grpc.handleUnaryCall<_appliance_mail_control_v1_StatusRequest__Output, _appliance_mail_control_v1_StatusReply>;
  
  Submit: grpc.handleUnaryCall<_appliance_mail_control_v1_SubmitRequest__Output, _appliance_mail_control_v1_SubmitReply>;
  
  SubmitDigest: grpc.handleUnaryCall<_appliance_mail_control_v1_SubmitDigestRequest__Output, _appliance_mail_control_v1_SubmitReply>;
  
  SubmitRaw: grpc.handleUnaryCall<_appliance_mail_control_v1_SubmitRawRequest__Output, _appliance_mail_control_v1_SubmitRawReply>;
  
  TestEmail: grpc.handleServerStreamingCall<_appliance_mail_control_v1_TestEmailRequest__Output, _appliance_mail_control_v1_TestEmailStep>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  CreateToken: MethodDefinition<_appliance_mail_control_v1_CreateTokenRequest, _appliance_mail_control_v1_CreateTokenReply, _appliance_mail_control_v1_CreateTokenRequest__Output, _appliance_mail_control_v1_CreateTokenReply__Output>
  DeleteToken: MethodDefinition<_appliance_mail_control_v1_DeleteTokenRequest, _appliance_mail_control_v1_DeleteTokenReply, _appliance_mail_control_v1_DeleteTokenRequest__Output, _appliance_mail_control_v1_DeleteTokenReply__Output>
  DropOutbox: MethodDefinition<_appliance_mail_control_v1_DropOutboxRequest, _appliance_mail_control_v1_DropOutboxReply, _appliance_mail_control_v1_DropOutboxRequest__Output, _appliance_mail_control_v1_DropOutboxReply__Output>
  FlushOutbox: MethodDefinition<_appliance_mail_control_v1_FlushOutboxRequest, _appliance_mail_control_v1_FlushOutboxReply, _appliance_mail_control_v1_FlushOutboxRequest__Output, _appliance_mail_control_v1_FlushOutboxReply__Output>
  History: MethodDefinition<_appliance_mail_control_v1_HistoryRequest, _appliance_mail_control_v1_HistoryReply, _appliance_mail_control_v1_HistoryRequest__Output, _appliance_mail_control_v1_HistoryReply__Output>
  HistoryEntry: MethodDefinition<_appliance_mail_control_v1_HistoryEntryRequest, _appliance_mail_control_v1_HistoryEntryReply, _appliance_mail_control_v1_HistoryEntryRequest__Output, _appliance_mail_control_v1_HistoryEntryReply__Output>
  Join: MethodDefinition<_appliance_mail_control_v1_JoinRequest, _appliance_mail_control_v1_JoinReply, _appliance_mail_control_v1_JoinRequest__Output, _appliance_mail_control_v1_JoinReply__Output>
  Leave: MethodDefinition<_appliance_mail_control_v1_LeaveRequest, _appliance_mail_control_v1_LeaveReply, _appliance_mail_control_v1_LeaveRequest__Output, _appliance_mail_control_v1_LeaveReply__Output>
  ListNodes: MethodDefinition<_appliance_mail_control_v1_ListNodesRequest, _appliance_mail_control_v1_ListNodesReply, _appliance_mail_control_v1_ListNodesRequest__Output, _appliance_mail_control_v1_ListNodesReply__Output>
  ListOutbox: MethodDefinition<_appliance_mail_control_v1_ListOutboxRequest, _appliance_mail_control_v1_ListOutboxReply, _appliance_mail_control_v1_ListOutboxRequest__Output, _appliance_mail_control_v1_ListOutboxReply__Output>
  ListTokens: MethodDefinition<_appliance_mail_control_v1_ListTokensRequest, _appliance_mail_control_v1_ListTokensReply, _appliance_mail_control_v1_ListTokensRequest__Output, _appliance_mail_control_v1_ListTokensReply__Output>
  Notify: MethodDefinition<_appliance_mail_control_v1_NotifyRequest, _appliance_mail_control_v1_SubmitReply, _appliance_mail_control_v1_NotifyRequest__Output, _appliance_mail_control_v1_SubmitReply__Output>
  RemoveConsoleUser: MethodDefinition<_appliance_mail_control_v1_RemoveConsoleUserRequest, _appliance_mail_control_v1_RemoveConsoleUserReply, _appliance_mail_control_v1_RemoveConsoleUserRequest__Output, _appliance_mail_control_v1_RemoveConsoleUserReply__Output>
  RemoveNode: MethodDefinition<_appliance_mail_control_v1_RemoveNodeRequest, _appliance_mail_control_v1_RemoveNodeReply, _appliance_mail_control_v1_RemoveNodeRequest__Output, _appliance_mail_control_v1_RemoveNodeReply__Output>
  RetryOutbox: MethodDefinition<_appliance_mail_control_v1_RetryOutboxRequest, _appliance_mail_control_v1_RetryOutboxReply, _appliance_mail_control_v1_RetryOutboxRequest__Output, _appliance_mail_control_v1_RetryOutboxReply__Output>
  Revert: MethodDefinition<_appliance_mail_control_v1_RevertRequest, _appliance_mail_control_v1_RevertReply, _appliance_mail_control_v1_RevertRequest__Output, _appliance_mail_control_v1_RevertReply__Output>
  SetConsolePassword: MethodDefinition<_appliance_mail_control_v1_SetConsolePasswordRequest, _appliance_mail_control_v1_SetConsolePasswordReply, _appliance_mail_control_v1_SetConsolePasswordRequest__Output, _appliance_mail_control_v1_SetConsolePasswordReply__Output>
  SetMode: MethodDefinition<_appliance_mail_control_v1_SetModeRequest, _appliance_mail_control_v1_SetModeReply, _appliance_mail_control_v1_SetModeRequest__Output, _appliance_mail_control_v1_SetModeReply__Output>
  Status: MethodDefinition<_appliance_mail_control_v1_StatusRequest, _appliance_mail_control_v1_StatusReply, _appliance_mail_control_v1_StatusRequest__Output, _appliance_mail_control_v1_StatusReply__Output>
  Submit: MethodDefinition<_appliance_mail_control_v1_SubmitRequest, _appliance_mail_control_v1_SubmitReply, _appliance_mail_control_v1_SubmitRequest__Output, _appliance_mail_control_v1_SubmitReply__Output>
  SubmitDigest: MethodDefinition<_appliance_mail_control_v1_SubmitDigestRequest, _appliance_mail_control_v1_SubmitReply, _appliance_mail_control_v1_SubmitDigestRequest__Output, _appliance_mail_control_v1_SubmitReply__Output>
  SubmitRaw: MethodDefinition<_appliance_mail_control_v1_SubmitRawRequest, _appliance_mail_control_v1_SubmitRawReply, _appliance_mail_control_v1_SubmitRawRequest__Output, _appliance_mail_control_v1_SubmitRawReply__Output>
  TestEmail: MethodDefinition<_appliance_mail_control_v1_TestEmailRequest, _appliance_mail_control_v1_TestEmailStep, _appliance_mail_control_v1_TestEmailRequest__Output, _appliance_mail_control_v1_TestEmailStep__Output>
}
