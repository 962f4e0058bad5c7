// Original file: proto/control.proto

import type { AuditEntry as _appliance_mail_control_v1_AuditEntry, AuditEntry__Output as _appliance_mail_control_v1_AuditEntry__Output } from '../../../appliance_mail/control/v1/AuditEntry.js';

export interface HistoryReply {
  'entries'?: (_appliance_mail_control_v1_AuditEntry)[];
}

export interface HistoryReply__Output {
  'entries': (_appliance_mail_control_v1_AuditEntry__Output)[];
}
