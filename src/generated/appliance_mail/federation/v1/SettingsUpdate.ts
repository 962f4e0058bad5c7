// Original file: proto/federation.proto

import type { MailServer as _appliance_mail_federation_v1_MailServer, MailServer__Output as _appliance_mail_federation_v1_MailServer__Output } from '../../../appliance_mail/federation/v1/MailServer.js';
import type { Long } from '@grpc/proto-loader';

export interface SettingsUpdate {
  'version'?: (number | string | Long);
  'mail_server'?: (_appliance_mail_federation_v1_MailServer | null);
  'recipients'?: (string)[];
  'primary_name'?: (string);
  'portal_address'?: (string);
}

export interface SettingsUpdate__Output {
  'version': (string);
  'mail_server': (_appliance_mail_federation_v1_MailServer__Output | null);
  'recipients': (string)[];
  'primary_name': (string);
  'portal_address': (string);
}
