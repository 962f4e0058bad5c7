// Original file: proto/control.proto

import type { SettingsCheck as _appliance_mail_control_v1_SettingsCheck, SettingsCheck__Output as _appliance_mail_control_v1_SettingsCheck__Output } from '../../../appliance_mail/control/v1/SettingsCheck.js';
import type { Long } from '@grpc/proto-loader';

export interface FederationStatus {
  'listen'?: (string);
  'settings_version'?: (number | string | Long);
  'nodes'?: (number);
  'nodes_connected'?: (number);
  'cert_sha256'?: (string);
  'primary'?: (string);
  'connection'?: (string);
  'applied_version'?: (number | string | Long);
  'last_heard'?: (string);
  'applied_at'?: (string);
  'verify'?: (_appliance_mail_control_v1_SettingsCheck | null);
  'join_address'?: (string);
}

export interface FederationStatus__Output {
  'listen': (string);
  'settings_version': (string);
  'nodes': (number);
  'nodes_connected': (number);
  'cert_sha256': (string);
  'primary': (string);
  'connection': (string);
  'applied_version': (string);
  'last_heard': (string);
  'applied_at': (string);
  'verify': (_appliance_mail_control_v1_SettingsCheck__Output | null);
  'join_address': (string);
}
