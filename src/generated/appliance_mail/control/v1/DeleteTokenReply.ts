// Original file: proto/control.proto


export interface DeleteTokenReply {
  'id'?: (string);
}

export interface DeleteTokenReply__Output {
  'id': (string);
}
