// Original file: proto/control.proto


export interface NotifyRequest {
  'event'?: (string);
  'version'?: (string);
  'detail'?: (string);
  'idempotency_key'?: (string);
}

export interface NotifyRequest__Output {
  'event': (string);
  'version': (string);
  'detail': (string);
  'idempotency_key': (string);
}
