// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface OutboxStatus {
  'queued'?: (number);
  'deferred'?: (number);
  'dead'?: (number);
  'sent_since_start'?: (number | string | Long);
  'last_error'?: (string);
  'last_error_at'?: (string);
  'last_error_server'?: (string);
}

export interface OutboxStatus__Output {
  'queued': (number);
  'deferred': (number);
  'dead': (number);
  'sent_since_start': (string);
  'last_error': (string);
  'last_error_at': (string);
  'last_error_server': (string);
}
