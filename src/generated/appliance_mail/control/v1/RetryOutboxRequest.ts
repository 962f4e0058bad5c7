// Original file: proto/control.proto


export interface RetryOutboxRequest {
  'ids'?: (string)[];
  'all_dead'?: (boolean);
}

export interface RetryOutboxRequest__Output {
  'ids': (string)[];
  'all_dead': (boolean);
}
