// Original file: proto/control.proto

import type { TokenInfo as _appliance_mail_control_v1_TokenInfo, TokenInfo__Output as _appliance_mail_control_v1_TokenInfo__Output } from '../../../appliance_mail/control/v1/TokenInfo.js';

export interface ListTokensReply {
  'tokens'?: (_appliance_mail_control_v1_TokenInfo)[];
}

export interface ListTokensReply__Output {
  'tokens': (_appliance_mail_control_v1_TokenInfo__Output)[];
}
