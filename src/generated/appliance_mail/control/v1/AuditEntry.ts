// Original file: proto/control.proto

import type { FieldChange as _appliance_mail_control_v1_FieldChange, FieldChange__Output as _appliance_mail_control_v1_FieldChange__Output } from '../../../appliance_mail/control/v1/FieldChange.js';

export interface AuditEntry {
  'id'?: (number);
  'at'?: (string);
  'kind'?: (string);
  'actor'?: (string);
  'door'?: (string);
  'address'?: (string);
  'summary'?: (string);
  'version'?: (string);
  'kept'?: (boolean);
  'changes'?: (_appliance_mail_control_v1_FieldChange)[];
  'reason'?: (string);
  'revert_of'?: (number);
}

export interface AuditEntry__Output {
  'id': (number);
  'at': (string);
  'kind': (string);
  'actor': (string);
  'door': (string);
  'address': (string);
  'summary': (string);
  'version': (string);
  'kept': (boolean);
  'changes': (_appliance_mail_control_v1_FieldChange__Output)[];
  'reason': (string);
  'revert_of': (number);
}
