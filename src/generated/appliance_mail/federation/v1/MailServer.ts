// Original file: proto/federation.proto

import type { OAuth2 as _appliance_mail_federation_v1_OAuth2, OAuth2__Output as _appliance_mail_federation_v1_OAuth2__Output } from '../../../appliance_mail/federation/v1/OAuth2.js';

export interface MailServer {
  'enabled'?: (boolean);
  'host'?: (string);
  'port'?: (number);
  'sender'?: (string);
  'username'?: (string);
  'password'?: (string);
  'tls'?: (boolean);
  'ca_pem'?: (string);
  'allow_plaintext_auth'?: (boolean);
  'auth'?: (string);
  'oauth2'?: (_appliance_mail_federation_v1_OAuth2 | null);
}

export interface MailServer__Output {
  'enabled': (boolean);
  'host': (string);
  'port': (number);
  'sender': (string);
  'username': (string);
  'password': (string);
  'tls': (boolean);
  'ca_pem': (string);
  'allow_plaintext_auth': (boolean);
  'auth': (string);
  'oauth2': (_appliance_mail_federation_v1_OAuth2__Output | null);
}
