// Original file: proto/control.proto


export interface SetModeReply {
  'mode'?: (string);
}

export interface SetModeReply__Output {
  'mode': (string);
}
