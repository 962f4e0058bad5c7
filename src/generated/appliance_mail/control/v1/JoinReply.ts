// Original file: proto/control.proto


export interface JoinReply {
  'primary'?: (string);
  'mode'?: (string);
}

export interface JoinReply__Output {
  'primary': (string);
  'mode': (string);
}
