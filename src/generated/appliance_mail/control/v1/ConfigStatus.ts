// Original file: proto/control.proto

import type { ConfigFileRead as _appliance_mail_control_v1_ConfigFileRead, ConfigFileRead__Output as _appliance_mail_control_v1_ConfigFileRead__Output } from '../../../appliance_mail/control/v1/ConfigFileRead.js';

export interface ConfigStatus {
  'file'?: (string);
  'version'?: (string);
  'applied_at'?: (string);
  'error'?: (string);
  'error_code'?: (string);
  'error_at'?: (string);
  'files'?: (_appliance_mail_control_v1_ConfigFileRead)[];
}

export interface ConfigStatus__Output {
  'file': (string);
  'version': (string);
  'applied_at': (string);
  'error': (string);
  'error_code': (string);
  'error_at': (string);
  'files': (_appliance_mail_control_v1_ConfigFileRead__Output)[];
}
