// Original file: proto/control.proto


export interface OutboxEntry {
  'id'?: (string);
  'kind'?: (string);
  'to'?: (string)[];
  'subject'?: (string);
  'state'?: (string);
  'attempts'?: (number);
  'last_error'?: (string);
  'created_at'?: (string);
  'next_attempt_at'?: (string);
}

export interface OutboxEntry__Output {
  'id': (string);
  'kind': (string);
  'to': (string)[];
  'subject': (string);
  'state': (string);
  'attempts': (number);
  'last_error': (string);
  'created_at': (string);
  'next_attempt_at': (string);
}
