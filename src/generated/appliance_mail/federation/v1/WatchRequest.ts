// Original file: proto/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'mode'?: (string);
  'last_applied_version'?: (number | string | Long);
  'refused_version'?: (number | string | Long);
  'refused_error'?: (string);
}

export interface WatchRequest__Output {
  'mode': (string);
  'last_applied_version': (string);
  'refused_version': (string);
  'refused_error': (string);
}
