// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface FederationStatus {
  'listen'?: (string);
  'settings_version'?: (number | string | Long);
  'nodes'?: (number);
  'nodes_connected'?: (number);
  'cert_sha256'?: (string);
  'primary'?: (string);
  'connection'?: (string);
  'applied_version'?: (number | string | Long);
  'last_heard'?: (string);
  'applied_at'?: (string);
}

export interface FederationStatus__Output {
  'listen': (string);
  'settings_version': (string);
  'nodes': (number);
  'nodes_connected': (number);
  'cert_sha256': (string);
  'primary': (string);
  'connection': (string);
  'applied_version': (string);
  'last_heard': (string);
  'applied_at': (string);
}
