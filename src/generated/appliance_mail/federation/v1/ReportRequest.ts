// Original file: proto/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface ReportRequest {
  'version'?: (number | string | Long);
  'stage'?: (string);
  'error'?: (string);
  'verify_stage'?: (string);
  'verify_error'?: (string);
}

export interface ReportRequest__Output {
  'version': (string);
  'stage': (string);
  'error': (string);
  'verify_stage': (string);
  'verify_error': (string);
}
