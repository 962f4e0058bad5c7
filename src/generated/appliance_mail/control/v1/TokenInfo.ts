// Original file: proto/control.proto


export interface TokenInfo {
  'id'?: (string);
  'created_at'?: (string);
  'expires_at'?: (string);
  'state'?: (string);
  'used_at'?: (string);
  'used_by'?: (string);
}

export interface TokenInfo__Output {
  'id': (string);
  'created_at': (string);
  'expires_at': (string);
  'state': (string);
  'used_at': (string);
  'used_by': (string);
}
