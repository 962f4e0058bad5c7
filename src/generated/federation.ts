import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { FederationClient as _appliance_mail_federation_v1_FederationClient, FederationDefinition as _appliance_mail_federation_v1_FederationDefinition } from './appliance_mail/federation/v1/Federation.js';
import type { JoinReply as _appliance_mail_federation_v1_JoinReply, JoinReply__Output as _appliance_mail_federation_v1_JoinReply__Output } from './appliance_mail/federation/v1/JoinReply.js';
import type { JoinRequest as _appliance_mail_federation_v1_JoinRequest, JoinRequest__Output as _appliance_mail_federation_v1_JoinRequest__Output } from './appliance_mail/federation/v1/JoinRequest.js';
import type { MailServer as _appliance_mail_federation_v1_MailServer, MailServer__Output as _appliance_mail_federation_v1_MailServer__Output } from './appliance_mail/federation/v1/MailServer.js';
import type { OAuth2 as _appliance_mail_federation_v1_OAuth2, OAuth2__Output as _appliance_mail_federation_v1_OAuth2__Output } from './appliance_mail/federation/v1/OAuth2.js';
import type { ReportReply as _appliance_mail_federation_v1_ReportReply, ReportReply__Output as _appliance_mail_federation_v1_ReportReply__Output } from './appliance_mail/federation/v1/ReportReply.js';
import type { ReportRequest as _appliance_mail_federation_v1_ReportRequest, ReportRequest__Output as _appliance_mail_federation_v1_ReportRequest__Output } from './appliance_mail/federation/v1/ReportRequest.js';
import type { SessionRequest as _appliance_mail_federation_v1_SessionRequest, SessionRequest__Output as _appliance_mail_federation_v1_SessionRequest__Output } from './appliance_mail/federation/v1/SessionRequest.js';
import type { SettingsUpdate as _appliance_mail_federation_v1_SettingsUpdate, SettingsUpdate__Output as _appliance_mail_federation_v1_SettingsUpdate__Output } from './appliance_mail/federation/v1/SettingsUpdate.js';
import type { WatchRequest as _appliance_mail_federation_v1_WatchRequest, WatchRequest__Output as _appliance_mail_federation_v1_WatchRequest__Output } from './appliance_mail/federation/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  appliance_mail: {
    federation: {
      v1: {
        Federation: SubtypeConstructor<typeof grpc.Client, _appliance_mail_federation_v1_FederationClient> & { service: _appliance_mail_federation_v1_FederationDefinition }
        JoinReply: MessageTypeDefinition<_appliance_mail_federation_v1_JoinReply, _appliance_mail_federation_v1_JoinReply__Output>
        JoinRequest: MessageTypeDefinition<_appliance_mail_federation_v1_JoinRequest, _appliance_mail_federation_v1_JoinRequest__Output>
        MailServer: MessageTypeDefinition<_appliance_mail_federation_v1_MailServer, _appliance_mail_federation_v1_MailServer__Output>
        OAuth2: MessageTypeDefinition<_appliance_mail_federation_v1_OAuth2, _appliance_mail_federation_v1_OAuth2__Output>
        ReportReply: MessageTypeDefinition<_appliance_mail_federation_v1_ReportReply, _appliance_mail_federation_v1_ReportReply__Output>
        ReportRequest: MessageTypeDefinition<_appliance_mail_federation_v1_ReportRequest, _appliance_mail_federation_v1_ReportRequest__Output>
        SessionRequest: MessageTypeDefinition<_appliance_mail_federation_v1_SessionRequest, _appliance_mail_federation_v1_SessionRequest__Output>
        SettingsUpdate: MessageTypeDefinition<_appliance_mail_federation_v1_SettingsUpdate, _appliance_mail_federation_v1_SettingsUpdate__Output>
        WatchRequest: MessageTypeDefinition<_appliance_mail_federation_v1_WatchRequest, _appliance_mail_federation_v1_WatchRequest__Output>
      }
    }
  }
}

