// Original file: proto/control.proto


export interface SubmitRequest {
  'to'?: (string)[];
  'subject'?: (string);
  'text'?: (string);
  'html'?: (string);
  'kind'?: (string);
  'idempotency_key'?: (string);
}

export interface SubmitRequest__Output {
  'to': (string)[];
  'subject': (string);
  'text': (string);
  'html': (string);
  'kind': (string);
  'idempotency_key': (string);
}
