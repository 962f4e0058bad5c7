// Original file: proto/federation.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JoinReply as _appliance_mail_federation_v1_JoinReply, JoinReply__Output as _appliance_mail_federation_v1_JoinReply__Output } from '../../../appliance_mail/federation/v1/JoinReply.js';
import type { JoinRequest as _appliance_mail_federation_v1_JoinRequest, JoinRequest__Output as _appliance_mail_federation_v1_JoinRequest__Output } from '../../../appliance_mail/federation/v1/JoinRequest.js';
import type { ReportReply as _appliance_mail_federation_v1_ReportReply, ReportReply__Output as _appliance_mail_federation_v1_ReportReply__Output } from '../../../appliance_mail/federation/v1/ReportReply.js';
import type { ReportRequest as _appliance_mail_federation_v1_ReportRequest, ReportRequest__Output as _appliance_mail_federation_v1_ReportRequest__Output } from '../../../appliance_mail/federation/v1/ReportRequest.js';
import type { SessionRequest as _appliance_mail_federation_v1_SessionRequest, SessionRequest__Output as _appliance_mail_federation_v1_SessionRequest__Output } from '../../../appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate as _appliance_mail_federation_v1_SettingsUpdate, SettingsUpdate__Output as _appliance_mail_federation_v1_SettingsUpdate__Output } from '../../../appliance_mail/federation/v1/SettingsUpdate.js';
import type { WatchRequest as _appliance_mail_federation_v1_WatchRequest, WatchRequest__Output as _appliance_mail_federation_v1_WatchRequest__Output } from '../../../appliance_mail/federation/v1/WatchRequest.js';

export interface FederationClient extends grpc.Client {
  Join(argument: _appliance_mail_federation_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_federation_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_federation_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  Join(argument: _appliance_mail_federation_v1_JoinRequest, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_federation_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_federation_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_federation_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  join(argument: _appliance_mail_federation_v1_JoinRequest, callback: grpc.requestCallback<_appliance_mail_federation_v1_JoinReply__Output>): grpc.ClientUnaryCall;
  
  Report(argument: _appliance_mail_federation_v1_ReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  Report(argument: _appliance_mail_federation_v1_ReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  Report(argument: _appliance_mail_federation_v1_ReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  Report(argument: _appliance_mail_federation_v1_ReportRequest, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  report(argument: _appliance_mail_federation_v1_ReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  report(argument: _appliance_mail_federation_v1_ReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  report(argument: _appliance_mail_federation_v1_ReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  report(argument: _appliance_mail_federation_v1_ReportRequest, callback: grpc.requestCallback<_appliance_mail_federation_v1_ReportReply__Output>): grpc.ClientUnaryCall;
  
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SettingsUpdate__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SettingsUpdate__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SettingsUpdate__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SettingsUpdate__Output>;
  
  Watch(argument: _appliance_mail_federation_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_federation_v1_SettingsUpdate__Output>;
  Watch(argument: _appliance_mail_federation_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_federation_v1_SettingsUpdate__Output>;
  watch(argument: _appliance_mail_federation_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_federation_v1_SettingsUpdate__Output>;
  watch(argument: _appliance_mail_federation_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_appliance_mail_federation_v1_SettingsUpdate__Output>;
  
}

export interface FederationHandlers extends grpc.UntypedServiceImplementation {
  Join: grpc.handleUnaryCall<_appliance_mail_federation_v1_JoinRequest__Output, _appliance_mail_federation_v1_JoinReply>;
  
  Report: grpc.handleUnaryCall<_appliance_mail_federation_v1_ReportRequest__Output, _appliance_mail_federation_v1_ReportReply>;
  
  Session: grpc.handleBidiStreamingCall<_appliance_mail_federation_v1_SessionRequest__Output, _appliance_mail_federation_v1_SettingsUpdate>;
  
  Watch: grpc.handleServerStreamingCall<_appliance_mail_federation_v1_WatchRequest__Output, _appliance_mail_federation_v1_SettingsUpdate>;
  
}

export interface FederationDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_appliance_mail_federation_v1_JoinRequest, _appliance_mail_federation_v1_JoinReply, _appliance_mail_federation_v1_JoinRequest__Output, _appliance_mail_federation_v1_JoinReply__Output>
  Report: MethodDefinition<_appliance_mail_federation_v1_ReportRequest, _appliance_mail_federation_v1_ReportReply, _appliance_mail_federation_v1_ReportRequest__Output, _appliance_mail_federation_v1_ReportReply__Output>
  Session: MethodDefinition<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SettingsUpdate, _appliance_mail_federation_v1_SessionRequest__Output, _appliance_mail_federation_v1_SettingsUpdate__Output>
  Watch: MethodDefinition<_appliance_mail_federation_v1_WatchRequest, _appliance_mail_federation_v1_SettingsUpdate, _appliance_mail_federation_v1_WatchRequest__Output, _appliance_mail_federation_v1_SettingsUpdate__Output>
}
