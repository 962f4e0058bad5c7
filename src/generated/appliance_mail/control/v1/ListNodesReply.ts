// Original file: proto/control.proto

import type { NodeInfo as _appliance_mail_control_v1_NodeInfo, NodeInfo__Output as _appliance_mail_control_v1_NodeInfo__Output } from '../../../appliance_mail/control/v1/NodeInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface ListNodesReply {
  'settings_version'?: (number | string | Long);
  'nodes'?: (_appliance_mail_control_v1_NodeInfo)[];
}

export interface ListNodesReply__Output {
  'settings_version': (string);
  'nodes': (_appliance_mail_control_v1_NodeInfo__Output)[];
}
