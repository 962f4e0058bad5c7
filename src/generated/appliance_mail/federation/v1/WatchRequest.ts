// Original file: proto/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'mode'?: (string);
  'last_applied_version'?: (number | string | Long);
}

export interface WatchRequest__Output {
  'mode': (string);
  'last_applied_version': (string);
}
