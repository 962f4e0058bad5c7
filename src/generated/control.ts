import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfigStatus as _appliance_mail_control_v1_ConfigStatus, ConfigStatus__Output as _appliance_mail_control_v1_ConfigStatus__Output } from './appliance_mail/control/v1/ConfigStatus.js';
import type { ControlClient as _appliance_mail_control_v1_ControlClient, ControlDefinition as _appliance_mail_control_v1_ControlDefinition } from './appliance_mail/control/v1/Control.js';
import type { CreateTokenReply as _appliance_mail_control_v1_CreateTokenReply, CreateTokenReply__Output as _appliance_mail_control_v1_CreateTokenReply__Output } from './appliance_mail/control/v1/CreateTokenReply.js';
import type { CreateTokenRequest as _appliance_mail_control_v1_CreateTokenRequest, CreateTokenRequest__Output as _appliance_mail_control_v1_CreateTokenRequest__Output } from './appliance_mail/control/v1/CreateTokenRequest.js';
import type { FederationStatus as _appliance_mail_control_v1_FederationStatus, FederationStatus__Output as _appliance_mail_control_v1_FederationStatus__Output } from './appliance_mail/control/v1/FederationStatus.js';
import type { JoinReply as _appliance_mail_control_v1_JoinReply, JoinReply__Output as _appliance_mail_control_v1_JoinReply__Output } from './appliance_mail/control/v1/JoinReply.js';
import type { JoinRequest as _appliance_mail_control_v1_JoinRequest, JoinRequest__Output as _appliance_mail_control_v1_JoinRequest__Output } from './appliance_mail/control/v1/JoinRequest.js';
import type { LeaveReply as _appliance_mail_control_v1_LeaveReply, LeaveReply__Output as _appliance_mail_control_v1_LeaveReply__Output } from './appliance_mail/control/v1/LeaveReply.js';
import type { LeaveRequest as _appliance_mail_control_v1_LeaveRequest, LeaveRequest__Output as _appliance_mail_control_v1_LeaveRequest__Output } from './appliance_mail/control/v1/LeaveRequest.js';
import type { ListNodesReply as _appliance_mail_control_v1_ListNodesReply, ListNodesReply__Output as _appliance_mail_control_v1_ListNodesReply__Output } from './appliance_mail/control/v1/ListNodesReply.js';
import type { ListNodesRequest as _appliance_mail_control_v1_ListNodesRequest, ListNodesRequest__Output as _appliance_mail_control_v1_ListNodesRequest__Output } from './appliance_mail/control/v1/ListNodesRequest.js';
import type { MailServerView as _appliance_mail_control_v1_MailServerView, MailServerView__Output as _appliance_mail_control_v1_MailServerView__Output } from './appliance_mail/control/v1/MailServerView.js';
import type { NodeInfo as _appliance_mail_control_v1_NodeInfo, NodeInfo__Output as _appliance_mail_control_v1_NodeInfo__Output } from './appliance_mail/control/v1/NodeInfo.js';
import type { RemoveNodeReply as _appliance_mail_control_v1_RemoveNodeReply, RemoveNodeReply__Output as _appliance_mail_control_v1_RemoveNodeReply__Output } from './appliance_mail/control/v1/RemoveNodeReply.js';
import type { RemoveNodeRequest as _appliance_mail_control_v1_RemoveNodeRequest, RemoveNodeRequest__Output as _appliance_mail_control_v1_RemoveNodeRequest__Output } from './appliance_mail/control/v1/RemoveNodeRequest.js';
import type { SetModeReply as _appliance_mail_control_v1_SetModeReply, SetModeReply__Output as _appliance_mail_control_v1_SetModeReply__Output } from './appliance_mail/control/v1/SetModeReply.js';
import type { SetModeRequest as _appliance_mail_control_v1_SetModeRequest, SetModeRequest__Output as _appliance_mail_control_v1_SetModeRequest__Output } from './appliance_mail/control/v1/SetModeRequest.js';
import type { StatusReply as _appliance_mail_control_v1_StatusReply, StatusReply__Output as _appliance_mail_control_v1_StatusReply__Output } from './appliance_mail/control/v1/StatusReply.js';
import type { StatusRequest as _appliance_mail_control_v1_StatusRequest, StatusRequest__Output as _appliance_mail_control_v1_StatusRequest__Output } from './appliance_mail/control/v1/StatusRequest.js';
import type { VersionReport as _appliance_mail_control_v1_VersionReport, VersionReport__Output as _appliance_mail_control_v1_VersionReport__Output } from './appliance_mail/control/v1/VersionReport.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  appliance_mail: {
    control: {
      v1: {
        ConfigStatus: MessageTypeDefinition<_appliance_mail_control_v1_ConfigStatus, _appliance_mail_control_v1_ConfigStatus__Output>
        Control: SubtypeConstructor<typeof grpc.Client, _appliance_mail_control_v1_ControlClient> & { service: _appliance_mail_control_v1_ControlDefinition }
        CreateTokenReply: MessageTypeDefinition<_appliance_mail_control_v1_CreateTokenReply, _appliance_mail_control_v1_CreateTokenReply__Output>
        CreateTokenRequest: MessageTypeDefinition<_appliance_mail_control_v1_CreateTokenRequest, _appliance_mail_control_v1_CreateTokenRequest__Output>
        FederationStatus: MessageTypeDefinition<_appliance_mail_control_v1_FederationStatus, _appliance_mail_control_v1_FederationStatus__Output>
        JoinReply: MessageTypeDefinition<_appliance_mail_control_v1_JoinReply, _appliance_mail_control_v1_JoinReply__Output>
        JoinRequest: MessageTypeDefinition<_appliance_mail_control_v1_JoinRequest, _appliance_mail_control_v1_JoinRequest__Output>
        LeaveReply: MessageTypeDefinition<_appliance_mail_control_v1_LeaveReply, _appliance_mail_control_v1_LeaveReply__Output>
        LeaveRequest: MessageTypeDefinition<_appliance_mail_control_v1_LeaveRequest, _appliance_mail_control_v1_LeaveRequest__Output>
        ListNodesReply: MessageTypeDefinition<_appliance_mail_control_v1_ListNodesReply, _appliance_mail_control_v1_ListNodesReply__Output>
        ListNodesRequest: MessageTypeDefinition<_appliance_mail_control_v1_ListNodesRequest, _appliance_mail_control_v1_ListNodesRequest__Output>
        MailServerView: MessageTypeDefinition<_appliance_mail_control_v1_MailServerView, _appliance_mail_control_v1_MailServerView__Output>
        NodeInfo: MessageTypeDefinition<_appliance_mail_control_v1_NodeInfo, _appliance_mail_control_v1_NodeInfo__Output>
        RemoveNodeReply: MessageTypeDefinition<_appliance_mail_control_v1_RemoveNodeReply, _appliance_mail_control_v1_RemoveNodeReply__Output>
        RemoveNodeRequest: MessageTypeDefinition<_appliance_mail_control_v1_RemoveNodeRequest, _appliance_mail_control_v1_RemoveNodeRequest__Output>
        SetModeReply: MessageTypeDefinition<_appliance_mail_control_v1_SetModeReply, _appliance_mail_control_v1_SetModeReply__Output>
        SetModeRequest: MessageTypeDefinition<_appliance_mail_control_v1_SetModeRequest, _appliance_mail_control_v1_SetModeRequest__Output>
        StatusReply: MessageTypeDefinition<_appliance_mail_control_v1_StatusReply, _appliance_mail_control_v1_StatusReply__Output>
        StatusRequest: MessageTypeDefinition<_appliance_mail_control_v1_StatusRequest, _appliance_mail_control_v1_StatusRequest__Output>
        VersionReport: MessageTypeDefinition<_appliance_mail_control_v1_VersionReport, _appliance_mail_control_v1_VersionReport__Output>
      }
    }
  }
}

