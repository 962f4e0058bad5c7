// Original file: proto/control.proto

import type { TestMailServer as _appliance_mail_control_v1_TestMailServer, TestMailServer__Output as _appliance_mail_control_v1_TestMailServer__Output } from '../../../appliance_mail/control/v1/TestMailServer.js';

export interface TestEmailRequest {
  'to'?: (string)[];
  'mail_server'?: (_appliance_mail_control_v1_TestMailServer | null);
}

export interface TestEmailRequest__Output {
  'to': (string)[];
  'mail_server': (_appliance_mail_control_v1_TestMailServer__Output | null);
}
