// Original file: proto/control.proto


export interface CreateTokenRequest {
  'ttl_seconds'?: (number);
}

export interface CreateTokenRequest__Output {
  'ttl_seconds': (number);
}
