// Original file: proto/control.proto


export interface MailServerView {
  'enabled'?: (boolean);
  'server'?: (string);
  'sender'?: (string);
  'username'?: (string);
  'password'?: (string);
  'tls'?: (boolean);
  'private_ca'?: (boolean);
}

export interface MailServerView__Output {
  'enabled': (boolean);
  'server': (string);
  'sender': (string);
  'username': (string);
  'password': (string);
  'tls': (boolean);
  'private_ca': (boolean);
}
