// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface SettingsCheck {
  'version'?: (number | string | Long);
  'outcome'?: (string);
  'error'?: (string);
  'at'?: (string);
}

export interface SettingsCheck__Output {
  'version': (string);
  'outcome': (string);
  'error': (string);
  'at': (string);
}
