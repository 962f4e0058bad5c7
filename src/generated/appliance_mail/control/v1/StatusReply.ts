// Original file: proto/control.proto

import type { MailServerView as _appliance_mail_control_v1_MailServerView, MailServerView__Output as _appliance_mail_control_v1_MailServerView__Output } from '../../../appliance_mail/control/v1/MailServerView.js';
import type { ConfigStatus as _appliance_mail_control_v1_ConfigStatus, ConfigStatus__Output as _appliance_mail_control_v1_ConfigStatus__Output } from '../../../appliance_mail/control/v1/ConfigStatus.js';
import type { FederationStatus as _appliance_mail_control_v1_FederationStatus, FederationStatus__Output as _appliance_mail_control_v1_FederationStatus__Output } from '../../../appliance_mail/control/v1/FederationStatus.js';
import type { OutboxStatus as _appliance_mail_control_v1_OutboxStatus, OutboxStatus__Output as _appliance_mail_control_v1_OutboxStatus__Output } from '../../../appliance_mail/control/v1/OutboxStatus.js';

export interface StatusReply {
  'node_name'?: (string);
  'role'?: (string);
  'mode'?: (string);
  'mail_server'?: (_appliance_mail_control_v1_MailServerView | null);
  'settings_source'?: (string);
  'config'?: (_appliance_mail_control_v1_ConfigStatus | null);
  'uptime_seconds'?: (number | string);
  'daemon_version'?: (string);
  'control_socket'?: (string);
  'control_access'?: (string);
  'warnings'?: (string)[];
  'federation'?: (_appliance_mail_control_v1_FederationStatus | null);
  'outbox'?: (_appliance_mail_control_v1_OutboxStatus | null);
  'admin_socket'?: (string);
  'admin_access'?: (string);
  'console_url'?: (string);
}

export interface StatusReply__Output {
  'node_name': (string);
  'role': (string);
  'mode': (string);
  'mail_server': (_appliance_mail_control_v1_MailServerView__Output | null);
  'settings_source': (string);
  'config': (_appliance_mail_control_v1_ConfigStatus__Output | null);
  'uptime_seconds': (number);
  'daemon_version': (string);
  'control_socket': (string);
  'control_access': (string);
  'warnings': (string)[];
  'federation': (_appliance_mail_control_v1_FederationStatus__Output | null);
  'outbox': (_appliance_mail_control_v1_OutboxStatus__Output | null);
  'admin_socket': (string);
  'admin_access': (string);
  'console_url': (string);
}
