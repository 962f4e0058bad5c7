// Original file: proto/control.proto


export interface FlushOutboxReply {
  'deferred'?: (number);
}

export interface FlushOutboxReply__Output {
  'deferred': (number);
}
