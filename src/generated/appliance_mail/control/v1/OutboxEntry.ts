// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

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
  'sender'?: (string);
  'size_bytes'?: (number | string | Long);
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
  'sender': (string);
  'size_bytes': (string);
}
