// Original file: proto/control.proto

import type { OutboxEntry as _appliance_mail_control_v1_OutboxEntry, OutboxEntry__Output as _appliance_mail_control_v1_OutboxEntry__Output } from '../../../appliance_mail/control/v1/OutboxEntry.js';

export interface ListOutboxReply {
  'entries'?: (_appliance_mail_control_v1_OutboxEntry)[];
}

export interface ListOutboxReply__Output {
  'entries': (_appliance_mail_control_v1_OutboxEntry__Output)[];
}
