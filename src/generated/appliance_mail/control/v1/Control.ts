// Original file: proto/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { StatusReply as _appliance_mail_control_v1_StatusReply, StatusReply__Output as _appliance_mail_control_v1_StatusReply__Output } from '../../../appliance_mail/control/v1/StatusReply.js';
import type { StatusRequest as _appliance_mail_control_v1_StatusRequest, StatusRequest__Output as _appliance_mail_control_v1_StatusRequest__Output } from '../../../appliance_mail/control/v1/StatusRequest.js';

export interface ControlClient extends grpc.Client {
  Status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _appliance_mail_control_v1_StatusRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _appliance_mail_control_v1_StatusRequest, callback: grpc.requestCallback<_appliance_mail_control_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  Status: grpc.handleUnaryCall<_appliance_mail_control_v1_StatusRequest__Output, _appliance_mail_control_v1_StatusReply>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  Status: MethodDefinition<_appliance_mail_control_v1_StatusRequest, _appliance_mail_control_v1_StatusReply, _appliance_mail_control_v1_StatusRequest__Output, _appliance_mail_control_v1_StatusReply__Output>
}
