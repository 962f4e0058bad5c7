import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfigStatus as _appliance_mail_control_v1_ConfigStatus, ConfigStatus__Output as _appliance_mail_control_v1_ConfigStatus__Output } from './appliance_mail/control/v1/ConfigStatus.js';
import type { ControlClient as _appliance_mail_control_v1_ControlClient, ControlDefinition as _appliance_mail_control_v1_ControlDefinition } from './appliance_mail/control/v1/Control.js';
import type { MailServerView as _appliance_mail_control_v1_MailServerView, MailServerView__Output as _appliance_mail_control_v1_MailServerView__Output } from './appliance_mail/control/v1/MailServerView.js';
import type { StatusReply as _appliance_mail_control_v1_StatusReply, StatusReply__Output as _appliance_mail_control_v1_StatusReply__Output } from './appliance_mail/control/v1/StatusReply.js';
import type { StatusRequest as _appliance_mail_control_v1_StatusRequest, StatusRequest__Output as _appliance_mail_control_v1_StatusRequest__Output } from './appliance_mail/control/v1/StatusRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  appliance_mail: {
    control: {
      v1: {
        ConfigStatus: MessageTypeDefinition<_appliance_mail_control_v1_ConfigStatus, _appliance_mail_control_v1_ConfigStatus__Output>
        Control: SubtypeConstructor<typeof grpc.Client, _appliance_mail_control_v1_ControlClient> & { service: _appliance_mail_control_v1_ControlDefinition }
        MailServerView: MessageTypeDefinition<_appliance_mail_control_v1_MailServerView, _appliance_mail_control_v1_MailServerView__Output>
        StatusReply: MessageTypeDefinition<_appliance_mail_control_v1_StatusReply, _appliance_mail_control_v1_StatusReply__Output>
        StatusRequest: MessageTypeDefinition<_appliance_mail_control_v1_StatusRequest, _appliance_mail_control_v1_StatusRequest__Output>
      }
    }
  }
}

