// Original file: proto/control.proto


export interface SetConsolePasswordReply {
  'created'?: (boolean);
}

export interface SetConsolePasswordReply__Output {
  'created': (boolean);
}
