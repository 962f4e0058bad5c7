// Original file: proto/federation.proto

import type { WatchRequest as _appliance_mail_federation_v1_WatchRequest, WatchRequest__Output as _appliance_mail_federation_v1_WatchRequest__Output } from '../../../appliance_mail/federation/v1/WatchRequest.js';
import type { ReportRequest as _appliance_mail_federation_v1_ReportRequest, ReportRequest__Output as _appliance_mail_federation_v1_ReportRequest__Output } from '../../../appliance_mail/federation/v1/ReportRequest.js';

export interface SessionRequest {
  'watch'?: (_appliance_mail_federation_v1_WatchRequest | null);
  'report'?: (_appliance_mail_federation_v1_ReportRequest | null);
  'message'?: "watch"|"report";
}

export interface SessionRequest__Output {
  'watch'?: (_appliance_mail_federation_v1_WatchRequest__Output | null);
  'report'?: (_appliance_mail_federation_v1_ReportRequest__Output | null);
  'message'?: "watch"|"report";
}
