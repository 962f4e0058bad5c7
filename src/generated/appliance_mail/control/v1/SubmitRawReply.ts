// Original file: proto/control.proto


export interface SubmitRawReply {
  'ids'?: (string)[];
}

export interface SubmitRawReply__Output {
  'ids': (string)[];
}
