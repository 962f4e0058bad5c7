// Original file: proto/control.proto


export interface CreateTokenReply {
  'token'?: (string);
  'expires_at'?: (string);
  'primary_cert_sha256'?: (string);
  'join_address'?: (string);
}

export interface CreateTokenReply__Output {
  'token': (string);
  'expires_at': (string);
  'primary_cert_sha256': (string);
  'join_address': (string);
}
