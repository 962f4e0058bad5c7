// Original file: proto/control.proto


export interface RetryOutboxReply {
  'requeued'?: (number);
}

export interface RetryOutboxReply__Output {
  'requeued': (number);
}
