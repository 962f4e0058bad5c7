// Original file: proto/federation.proto


export interface JoinRequest {
  'token_id'?: (string);
  'token_secret'?: (string);
  'node_name'?: (string);
  'mode'?: (string);
}

export interface JoinRequest__Output {
  'token_id': (string);
  'token_secret': (string);
  'node_name': (string);
  'mode': (string);
}
