// Original file: proto/control.proto

import type { AuditEntry as _appliance_mail_control_v1_AuditEntry, AuditEntry__Output as _appliance_mail_control_v1_AuditEntry__Output } from '../../../appliance_mail/control/v1/AuditEntry.js';
import type { FieldChange as _appliance_mail_control_v1_FieldChange, FieldChange__Output as _appliance_mail_control_v1_FieldChange__Output } from '../../../appliance_mail/control/v1/FieldChange.js';

export interface HistoryEntryReply {
  'entry'?: (_appliance_mail_control_v1_AuditEntry | null);
  'revert_changes'?: (_appliance_mail_control_v1_FieldChange)[];
  'revert_refused'?: (string);
  'file_digest'?: (string);
}

export interface HistoryEntryReply__Output {
  'entry': (_appliance_mail_control_v1_AuditEntry__Output | null);
  'revert_changes': (_appliance_mail_control_v1_FieldChange__Output)[];
  'revert_refused': (string);
  'file_digest': (string);
}
