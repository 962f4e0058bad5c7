// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface OutboxLane {
  'lane'?: (string);
  'bytes'?: (number | string | Long);
  'limit_bytes'?: (number | string | Long);
}

export interface OutboxLane__Output {
  'lane': (string);
  'bytes': (string);
  'limit_bytes': (string);
}
