// Original file: proto/control.proto

import type { DigestItem as _appliance_mail_control_v1_DigestItem, DigestItem__Output as _appliance_mail_control_v1_DigestItem__Output } from '../../../appliance_mail/control/v1/DigestItem.js';

export interface SubmitDigestRequest {
  'dashboard'?: (string);
  'period'?: (string);
  'subscribers'?: (string)[];
  'items'?: (_appliance_mail_control_v1_DigestItem)[];
  'idempotency_key'?: (string);
}

export interface SubmitDigestRequest__Output {
  'dashboard': (string);
  'period': (string);
  'subscribers': (string)[];
  'items': (_appliance_mail_control_v1_DigestItem__Output)[];
  'idempotency_key': (string);
}
