// Original file: proto/federation.proto


export interface ReportReply {
}

export interface ReportReply__Output {
}
