// Original file: proto/control.proto

import type { VersionReport as _appliance_mail_control_v1_VersionReport, VersionReport__Output as _appliance_mail_control_v1_VersionReport__Output } from '../../../appliance_mail/control/v1/VersionReport.js';

export interface NodeInfo {
  'name'?: (string);
  'mode'?: (string);
  'connected'?: (boolean);
  'last_seen'?: (string);
  'received'?: (_appliance_mail_control_v1_VersionReport | null);
  'applied'?: (_appliance_mail_control_v1_VersionReport | null);
  'verified'?: (_appliance_mail_control_v1_VersionReport | null);
  'joined_at'?: (string);
}

export interface NodeInfo__Output {
  'name': (string);
  'mode': (string);
  'connected': (boolean);
  'last_seen': (string);
  'received': (_appliance_mail_control_v1_VersionReport__Output | null);
  'applied': (_appliance_mail_control_v1_VersionReport__Output | null);
  'verified': (_appliance_mail_control_v1_VersionReport__Output | null);
  'joined_at': (string);
}
