// Original file: proto/federation.proto


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
}
