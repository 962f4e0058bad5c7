// Original file: proto/control.proto


export interface MailServerView {
  'enabled'?: (boolean);
  'server'?: (string);
  'sender'?: (string);
  'username'?: (string);
  'password'?: (string);
  'tls'?: (boolean);
  'private_ca'?: (boolean);
  'auth'?: (string);
  'oauth2_token_url'?: (string);
  'oauth2_grant'?: (string);
  'oauth2_client_id'?: (string);
  'oauth2_client_secret'?: (string);
}

export interface MailServerView__Output {
  'enabled': (boolean);
  'server': (string);
  'sender': (string);
  'username': (string);
  'password': (string);
  'tls': (boolean);
  'private_ca': (boolean);
  'auth': (string);
  'oauth2_token_url': (string);
  'oauth2_grant': (string);
  'oauth2_client_id': (string);
  'oauth2_client_secret': (string);
}
