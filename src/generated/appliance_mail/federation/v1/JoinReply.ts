// Original file: proto/federation.proto


export interface JoinReply {
  'credential'?: (string);
  'primary_name'?: (string);
}

export interface JoinReply__Output {
  'credential': (string);
  'primary_name': (string);
}
