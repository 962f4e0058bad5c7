// Original file: proto/control.proto


export interface LeaveRequest {
}

export interface LeaveRequest__Output {
}
