// Original file: proto/control.proto


export interface SubmitReply {
  'id'?: (string);
  'duplicate'?: (boolean);
}

export interface SubmitReply__Output {
  'id': (string);
  'duplicate': (boolean);
}
