// Original file: proto/control.proto

import type { OutboxLane as _appliance_mail_control_v1_OutboxLane, OutboxLane__Output as _appliance_mail_control_v1_OutboxLane__Output } from '../../../appliance_mail/control/v1/OutboxLane.js';
import type { Long } from '@grpc/proto-loader';

export interface OutboxStatus {
  'queued'?: (number);
  'deferred'?: (number);
  'dead'?: (number);
  'sent_since_start'?: (number | string | Long);
  'last_error'?: (string);
  'last_error_at'?: (string);
  'last_error_server'?: (string);
  'bytes_queued'?: (number | string | Long);
  'max_bytes'?: (number | string | Long);
  'min_free_bytes'?: (number | string | Long);
  'last_delivery_at'?: (string);
  'last_delivery_server'?: (string);
  'previous_error'?: (string);
  'previous_error_at'?: (string);
  'previous_error_server'?: (string);
  'oauth2_token'?: (string);
  'lanes'?: (_appliance_mail_control_v1_OutboxLane)[];
  'state_lost'?: (boolean);
}

export interface OutboxStatus__Output {
  'queued': (number);
  'deferred': (number);
  'dead': (number);
  'sent_since_start': (string);
  'last_error': (string);
  'last_error_at': (string);
  'last_error_server': (string);
  'bytes_queued': (string);
  'max_bytes': (string);
  'min_free_bytes': (string);
  'last_delivery_at': (string);
  'last_delivery_server': (string);
  'previous_error': (string);
  'previous_error_at': (string);
  'previous_error_server': (string);
  'oauth2_token': (string);
  'lanes': (_appliance_mail_control_v1_OutboxLane__Output)[];
  'state_lost': (boolean);
}
