// Original file: proto/control.proto


export interface LeaveReply {
  'primary'?: (string);
}

export interface LeaveReply__Output {
  'primary': (string);
}
