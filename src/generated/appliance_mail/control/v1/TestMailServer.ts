// Original file: proto/control.proto


export interface TestMailServer {
  'server'?: (string);
  'sender'?: (string);
  'username'?: (string);
  'password'?: (string);
  'tls'?: (boolean);
}

export interface TestMailServer__Output {
  'server': (string);
  'sender': (string);
  'username': (string);
  'password': (string);
  'tls': (boolean);
}
