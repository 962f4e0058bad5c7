// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface VersionReport {
  'version'?: (number | string | Long);
  'at'?: (string);
  'error'?: (string);
}

export interface VersionReport__Output {
  'version': (string);
  'at': (string);
  'error': (string);
}
