// Original file: proto/control.proto


export interface DeleteTokenRequest {
  'id'?: (string);
}

export interface DeleteTokenRequest__Output {
  'id': (string);
}
