import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfigFileRead as _appliance_mail_control_v1_ConfigFileRead, ConfigFileRead__Output as _appliance_mail_control_v1_ConfigFileRead__Output } from './appliance_mail/control/v1/ConfigFileRead.js';
import type { ConfigStatus as _appliance_mail_control_v1_ConfigStatus, ConfigStatus__Output as _appliance_mail_control_v1_ConfigStatus__Output } from './appliance_mail/control/v1/ConfigStatus.js';
import type { ControlClient as _appliance_mail_control_v1_ControlClient, ControlDefinition as _appliance_mail_control_v1_ControlDefinition } from './appliance_mail/control/v1/Control.js';
import type { CreateTokenReply as _appliance_mail_control_v1_CreateTokenReply, CreateTokenReply__Output as _appliance_mail_control_v1_CreateTokenReply__Output } from './appliance_mail/control/v1/CreateTokenReply.js';
import type { CreateTokenRequest as _appliance_mail_control_v1_CreateTokenRequest, CreateTokenRequest__Output as _appliance_mail_control_v1_CreateTokenRequest__Output } from './appliance_mail/control/v1/CreateTokenRequest.js';
import type { DeleteTokenReply as _appliance_mail_control_v1_DeleteTokenReply, DeleteTokenReply__Output as _appliance_mail_control_v1_DeleteTokenReply__Output } from './appliance_mail/control/v1/DeleteTokenReply.js';
import type { DeleteTokenRequest as _appliance_mail_control_v1_DeleteTokenRequest, DeleteTokenRequest__Output as _appliance_mail_control_v1_DeleteTokenRequest__Output } from './appliance_mail/control/v1/DeleteTokenRequest.js';
import type { DigestItem as _appliance_mail_control_v1_DigestItem, DigestItem__Output as _appliance_mail_control_v1_DigestItem__Output } from './appliance_mail/control/v1/DigestItem.js';
import type { DropOutboxReply as _appliance_mail_control_v1_DropOutboxReply, DropOutboxReply__Output as _appliance_mail_control_v1_DropOutboxReply__Output } from './appliance_mail/control/v1/DropOutboxReply.js';
import type { DropOutboxRequest as _appliance_mail_control_v1_DropOutboxRequest, DropOutboxRequest__Output as _appliance_mail_control_v1_DropOutboxRequest__Output } from './appliance_mail/control/v1/DropOutboxRequest.js';
import type { FederationStatus as _appliance_mail_control_v1_FederationStatus, FederationStatus__Output as _appliance_mail_control_v1_FederationStatus__Output } from './appliance_mail/control/v1/FederationStatus.js';
import type { FlushOutboxReply as _appliance_mail_control_v1_FlushOutboxReply, FlushOutboxReply__Output as _appliance_mail_control_v1_FlushOutboxReply__Output } from './appliance_mail/control/v1/FlushOutboxReply.js';
import type { FlushOutboxRequest as _appliance_mail_control_v1_FlushOutboxRequest, FlushOutboxRequest__Output as _appliance_mail_control_v1_FlushOutboxRequest__Output } from './appliance_mail/control/v1/FlushOutboxRequest.js';
import type { JoinReply as _appliance_mail_control_v1_JoinReply, JoinReply__Output as _appliance_mail_control_v1_JoinReply__Output } from './appliance_mail/control/v1/JoinReply.js';
import type { JoinRequest as _appliance_mail_control_v1_JoinRequest, JoinRequest__Output as _appliance_mail_control_v1_JoinRequest__Output } from './appliance_mail/control/v1/JoinRequest.js';
import type { LeaveReply as _appliance_mail_control_v1_LeaveReply, LeaveReply__Output as _appliance_mail_control_v1_LeaveReply__Output } from './appliance_mail/control/v1/LeaveReply.js';
import type { LeaveRequest as _appliance_mail_control_v1_LeaveRequest, LeaveRequest__Output as _appliance_mail_control_v1_LeaveRequest__Output } from './appliance_mail/control/v1/LeaveRequest.js';
import type { ListNodesReply as _appliance_mail_control_v1_ListNodesReply, ListNodesReply__Output as _appliance_mail_control_v1_ListNodesReply__Output } from './appliance_mail/control/v1/ListNodesReply.js';
import type { ListNodesRequest as _appliance_mail_control_v1_ListNodesRequest, ListNodesRequest__Output as _appliance_mail_control_v1_ListNodesRequest__Output } from './appliance_mail/control/v1/ListNodesRequest.js';
import type { ListOutboxReply as _appliance_mail_control_v1_ListOutboxReply, ListOutboxReply__Output as _appliance_mail_control_v1_ListOutboxReply__Output } from './appliance_mail/control/v1/ListOutboxReply.js';
import type { ListOutboxRequest as _appliance_mail_control_v1_ListOutboxRequest, ListOutboxRequest__Output as _appliance_mail_control_v1_ListOutboxRequest__Output } from './appliance_mail/control/v1/ListOutboxRequest.js';
import type { ListTokensReply as _appliance_mail_control_v1_ListTokensReply, ListTokensReply__Output as _appliance_mail_control_v1_ListTokensReply__Output } from './appliance_mail/control/v1/ListTokensReply.js';
import type { ListTokensRequest as _appliance_mail_control_v1_ListTokensRequest, ListTokensRequest__Output as _appliance_mail_control_v1_ListTokensRequest__Output } from './appliance_mail/control/v1/ListTokensRequest.js';
import type { MailServerView as _appliance_mail_control_v1_MailServerView, MailServerView__Output as _appliance_mail_control_v1_MailServerView__Output } from './appliance_mail/control/v1/MailServerView.js';
import type { NodeInfo as _appliance_mail_control_v1_NodeInfo, NodeInfo__Output as _appliance_mail_control_v1_NodeInfo__Output } from './appliance_mail/control/v1/NodeInfo.js';
import type { NotifyRequest as _appliance_mail_control_v1_NotifyRequest, NotifyRequest__Output as _appliance_mail_control_v1_NotifyRequest__Output } from './appliance_mail/control/v1/NotifyRequest.js';
import type { OutboxEntry as _appliance_mail_control_v1_OutboxEntry, OutboxEntry__Output as _appliance_mail_control_v1_OutboxEntry__Output } from './appliance_mail/control/v1/OutboxEntry.js';
import type { OutboxLane as _appliance_mail_control_v1_OutboxLane, OutboxLane__Output as _appliance_mail_control_v1_OutboxLane__Output } from './appliance_mail/control/v1/OutboxLane.js';
import type { OutboxStatus as _appliance_mail_control_v1_OutboxStatus, OutboxStatus__Output as _appliance_mail_control_v1_OutboxStatus__Output } from './appliance_mail/control/v1/OutboxStatus.js';
import type { RemoveConsoleUserReply as _appliance_mail_control_v1_RemoveConsoleUserReply, RemoveConsoleUserReply__Output as _appliance_mail_control_v1_RemoveConsoleUserReply__Output } from './appliance_mail/control/v1/RemoveConsoleUserReply.js';
import type { RemoveConsoleUserRequest as _appliance_mail_control_v1_RemoveConsoleUserRequest, RemoveConsoleUserRequest__Output as _appliance_mail_control_v1_RemoveConsoleUserRequest__Output } from './appliance_mail/control/v1/RemoveConsoleUserRequest.js';
import type { RemoveNodeReply as _appliance_mail_control_v1_RemoveNodeReply, RemoveNodeReply__Output as _appliance_mail_control_v1_RemoveNodeReply__Output } from './appliance_mail/control/v1/RemoveNodeReply.js';
import type { RemoveNodeRequest as _appliance_mail_control_v1_RemoveNodeRequest, RemoveNodeRequest__Output as _appliance_mail_control_v1_RemoveNodeRequest__Output } from './appliance_mail/control/v1/RemoveNodeRequest.js';
import type { RetryOutboxReply as _appliance_mail_control_v1_RetryOutboxReply, RetryOutboxReply__Output as _appliance_mail_control_v1_RetryOutboxReply__Output } from './appliance_mail/control/v1/RetryOutboxReply.js';
import type { RetryOutboxRequest as _appliance_mail_control_v1_RetryOutboxRequest, RetryOutboxRequest__Output as _appliance_mail_control_v1_RetryOutboxRequest__Output } from './appliance_mail/control/v1/RetryOutboxRequest.js';
import type { SetConsolePasswordReply as _appliance_mail_control_v1_SetConsolePasswordReply, SetConsolePasswordReply__Output as _appliance_mail_control_v1_SetConsolePasswordReply__Output } from './appliance_mail/control/v1/SetConsolePasswordReply.js';
import type { SetConsolePasswordRequest as _appliance_mail_control_v1_SetConsolePasswordRequest, SetConsolePasswordRequest__Output as _appliance_mail_control_v1_SetConsolePasswordRequest__Output } from './appliance_mail/control/v1/SetConsolePasswordRequest.js';
import type { SetModeReply as _appliance_mail_control_v1_SetModeReply, SetModeReply__Output as _appliance_mail_control_v1_SetModeReply__Output } from './appliance_mail/control/v1/SetModeReply.js';
import type { SetModeRequest as _appliance_mail_control_v1_SetModeRequest, SetModeRequest__Output as _appliance_mail_control_v1_SetModeRequest__Output } from './appliance_mail/control/v1/SetModeRequest.js';
import type { SettingsCheck as _appliance_mail_control_v1_SettingsCheck, SettingsCheck__Output as _appliance_mail_control_v1_SettingsCheck__Output } from './appliance_mail/control/v1/SettingsCheck.js';
import type { StatusReply as _appliance_mail_control_v1_StatusReply, StatusReply__Output as _appliance_mail_control_v1_StatusReply__Output } from './appliance_mail/control/v1/StatusReply.js';
import type { StatusRequest as _appliance_mail_control_v1_StatusRequest, StatusRequest__Output as _appliance_mail_control_v1_StatusRequest__Output } from './appliance_mail/control/v1/StatusRequest.js';
import type { SubmitDigestRequest as _appliance_mail_control_v1_SubmitDigestRequest, SubmitDigestRequest__Output as _appliance_mail_control_v1_SubmitDigestRequest__Output } from './appliance_mail/control/v1/SubmitDigestRequest.js';
import type { SubmitRawReply as _appliance_mail_control_v1_SubmitRawReply, SubmitRawReply__Output as _appliance_mail_control_v1_SubmitRawReply__Output } from './appliance_mail/control/v1/SubmitRawReply.js';
import type { SubmitRawRequest as _appliance_mail_control_v1_SubmitRawRequest, SubmitRawRequest__Output as _appliance_mail_control_v1_SubmitRawRequest__Output } from './appliance_mail/control/v1/SubmitRawRequest.js';
import type { SubmitReply as _appliance_mail_control_v1_SubmitReply, SubmitReply__Output as _appliance_mail_control_v1_SubmitReply__Output } from './appliance_mail/control/v1/SubmitReply.js';
import type { SubmitRequest as _appliance_mail_control_v1_SubmitRequest, SubmitRequest__Output as _appliance_mail_control_v1_SubmitRequest__Output } from './appliance_mail/control/v1/SubmitRequest.js';
import type { TestEmailRequest as _appliance_mail_control_v1_TestEmailRequest, TestEmailRequest__Output as _appliance_mail_control_v1_TestEmailRequest__Output } from './appliance_mail/control/v1/TestEmailRequest.js';
import type { TestEmailStep as _appliance_mail_control_v1_TestEmailStep, TestEmailStep__Output as _appliance_mail_control_v1_TestEmailStep__Output } from './appliance_mail/control/v1/TestEmailStep.js';
import type { TestMailServer as _appliance_mail_control_v1_TestMailServer, TestMailServer__Output as _appliance_mail_control_v1_TestMailServer__Output } from './appliance_mail/control/v1/TestMailServer.js';
import type { TokenInfo as _appliance_mail_control_v1_TokenInfo, TokenInfo__Output as _appliance_mail_control_v1_TokenInfo__Output } from './appliance_mail/control/v1/TokenInfo.js';
import type { VersionReport as _appliance_mail_control_v1_VersionReport, VersionReport__Output as _appliance_mail_control_v1_VersionReport__Output } from './appliance_mail/control/v1/VersionReport.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  appliance_mail: {
    control: {
      v1: {
        ConfigFileRead: MessageTypeDefinition<_appliance_mail_control_v1_ConfigFileRead, _appliance_mail_control_v1_ConfigFileRead__Output>
        ConfigStatus: MessageTypeDefinition<_appliance_mail_control_v1_ConfigStatus, _appliance_mail_control_v1_ConfigStatus__Output>
        Control: SubtypeConstructor<typeof grpc.Client, _appliance_mail_control_v1_ControlClient> & { service: _appliance_mail_control_v1_ControlDefinition }
        CreateTokenReply: MessageTypeDefinition<_appliance_mail_control_v1_CreateTokenReply, _appliance_mail_control_v1_CreateTokenReply__Output>
        CreateTokenRequest: MessageTypeDefinition<_appliance_mail_control_v1_CreateTokenRequest, _appliance_mail_control_v1_CreateTokenRequest__Output>
        DeleteTokenReply: MessageTypeDefinition<_appliance_mail_control_v1_DeleteTokenReply, _appliance_mail_control_v1_DeleteTokenReply__Output>
        DeleteTokenRequest: MessageTypeDefinition<_appliance_mail_control_v1_DeleteTokenRequest, _appliance_mail_control_v1_DeleteTokenRequest__Output>
        DigestItem: MessageTypeDefinition<_appliance_mail_control_v1_DigestItem, _appliance_mail_control_v1_DigestItem__Output>
        DropOutboxReply: MessageTypeDefinition<_appliance_mail_control_v1_DropOutboxReply, _appliance_mail_control_v1_DropOutboxReply__Output>
        DropOutboxRequest: MessageTypeDefinition<_appliance_mail_control_v1_DropOutboxRequest, _appliance_mail_control_v1_DropOutboxRequest__Output>
        FederationStatus: MessageTypeDefinition<_appliance_mail_control_v1_FederationStatus, _appliance_mail_control_v1_FederationStatus__Output>
        FlushOutboxReply: MessageTypeDefinition<_appliance_mail_control_v1_FlushOutboxReply, _appliance_mail_control_v1_FlushOutboxReply__Output>
        FlushOutboxRequest: MessageTypeDefinition<_appliance_mail_control_v1_FlushOutboxRequest, _appliance_mail_control_v1_FlushOutboxRequest__Output>
        JoinReply: MessageTypeDefinition<_appliance_mail_control_v1_JoinReply, _appliance_mail_control_v1_JoinReply__Output>
        JoinRequest: MessageTypeDefinition<_appliance_mail_control_v1_JoinRequest, _appliance_mail_control_v1_JoinRequest__Output>
        LeaveReply: MessageTypeDefinition<_appliance_mail_control_v1_LeaveReply, _appliance_mail_control_v1_LeaveReply__Output>
        LeaveRequest: MessageTypeDefinition<_appliance_mail_control_v1_LeaveRequest, _appliance_mail_control_v1_LeaveRequest__Output>
        ListNodesReply: MessageTypeDefinition<_appliance_mail_control_v1_ListNodesReply, _appliance_mail_control_v1_ListNodesReply__Output>
        ListNodesRequest: MessageTypeDefinition<_appliance_mail_control_v1_ListNodesRequest, _appliance_mail_control_v1_ListNodesRequest__Output>
        ListOutboxReply: MessageTypeDefinition<_appliance_mail_control_v1_ListOutboxReply, _appliance_mail_control_v1_ListOutboxReply__Output>
        ListOutboxRequest: MessageTypeDefinition<_appliance_mail_control_v1_ListOutboxRequest, _appliance_mail_control_v1_ListOutboxRequest__Output>
        ListTokensReply: MessageTypeDefinition<_appliance_mail_control_v1_ListTokensReply, _appliance_mail_control_v1_ListTokensReply__Output>
        ListTokensRequest: MessageTypeDefinition<_appliance_mail_control_v1_ListTokensRequest, _appliance_mail_control_v1_ListTokensRequest__Output>
        MailServerView: MessageTypeDefinition<_appliance_mail_control_v1_MailServerView, _appliance_mail_control_v1_MailServerView__Output>
        NodeInfo: MessageTypeDefinition<_appliance_mail_control_v1_NodeInfo, _appliance_mail_control_v1_NodeInfo__Output>
        NotifyRequest: MessageTypeDefinition<_appliance_mail_control_v1_NotifyRequest, _appliance_mail_control_v1_NotifyRequest__Output>
        OutboxEntry: MessageTypeDefinition<_appliance_mail_control_v1_OutboxEntry, _appliance_mail_control_v1_OutboxEntry__Output>
        OutboxLane: MessageTypeDefinition<_appliance_mail_control_v1_OutboxLane, _appliance_mail_control_v1_OutboxLane__Output>
        OutboxStatus: MessageTypeDefinition<_appliance_mail_control_v1_OutboxStatus, _appliance_mail_control_v1_OutboxStatus__Output>
        RemoveConsoleUserReply: MessageTypeDefinition<_appliance_mail_control_v1_RemoveConsoleUserReply, _appliance_mail_control_v1_RemoveConsoleUserReply__Output>
        RemoveConsoleUserRequest: MessageTypeDefinition<_appliance_mail_control_v1_RemoveConsoleUserRequest, _appliance_mail_control_v1_RemoveConsoleUserRequest__Output>
        RemoveNodeReply: MessageTypeDefinition<_appliance_mail_control_v1_RemoveNodeReply, _appliance_mail_control_v1_RemoveNodeReply__Output>
        RemoveNodeRequest: MessageTypeDefinition<_appliance_mail_control_v1_RemoveNodeRequest, _appliance_mail_control_v1_RemoveNodeRequest__Output>
        RetryOutboxReply: MessageTypeDefinition<_appliance_mail_control_v1_RetryOutboxReply, _appliance_mail_control_v1_RetryOutboxReply__Output>
        RetryOutboxRequest: MessageTypeDefinition<_appliance_mail_control_v1_RetryOutboxRequest, _appliance_mail_control_v1_RetryOutboxRequest__Output>
        SetConsolePasswordReply: MessageTypeDefinition<_appliance_mail_control_v1_SetConsolePasswordReply, _appliance_mail_control_v1_SetConsolePasswordReply__Output>
        SetConsolePasswordRequest: MessageTypeDefinition<_appliance_mail_control_v1_SetConsolePasswordRequest, _appliance_mail_control_v1_SetConsolePasswordRequest__Output>
        SetModeReply: MessageTypeDefinition<_appliance_mail_control_v1_SetModeReply, _appliance_mail_control_v1_SetModeReply__Output>
        SetModeRequest: MessageTypeDefinition<_appliance_mail_control_v1_SetModeRequest, _appliance_mail_control_v1_SetModeRequest__Output>
        SettingsCheck: MessageTypeDefinition<_appliance_mail_control_v1_SettingsCheck, _appliance_mail_control_v1_SettingsCheck__Output>
        StatusReply: MessageTypeDefinition<_appliance_mail_control_v1_StatusReply, _appliance_mail_control_v1_StatusReply__Output>
        StatusRequest: MessageTypeDefinition<_appliance_mail_control_v1_StatusRequest, _appliance_mail_control_v1_StatusRequest__Output>
        SubmitDigestRequest: MessageTypeDefinition<_appliance_mail_control_v1_SubmitDigestRequest, _appliance_mail_control_v1_SubmitDigestRequest__Output>
        SubmitRawReply: MessageTypeDefinition<_appliance_mail_control_v1_SubmitRawReply, _appliance_mail_control_v1_SubmitRawReply__Output>
        SubmitRawRequest: MessageTypeDefinition<_appliance_mail_control_v1_SubmitRawRequest, _appliance_mail_control_v1_SubmitRawRequest__Output>
        SubmitReply: MessageTypeDefinition<_appliance_mail_control_v1_SubmitReply, _appliance_mail_control_v1_SubmitReply__Output>
        SubmitRequest: MessageTypeDefinition<_appliance_mail_control_v1_SubmitRequest, _appliance_mail_control_v1_SubmitRequest__Output>
        TestEmailRequest: MessageTypeDefinition<_appliance_mail_control_v1_TestEmailRequest, _appliance_mail_control_v1_TestEmailRequest__Output>
        TestEmailStep: MessageTypeDefinition<_appliance_mail_control_v1_TestEmailStep, _appliance_mail_control_v1_TestEmailStep__Output>
        TestMailServer: MessageTypeDefinition<_appliance_mail_control_v1_TestMailServer, _appliance_mail_control_v1_TestMailServer__Output>
        TokenInfo: MessageTypeDefinition<_appliance_mail_control_v1_TokenInfo, _appliance_mail_control_v1_TokenInfo__Output>
        VersionReport: MessageTypeDefinition<_appliance_mail_control_v1_VersionReport, _appliance_mail_control_v1_VersionReport__Output>
      }
    }
  }
}

