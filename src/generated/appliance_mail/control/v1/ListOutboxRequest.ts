// Original file: proto/control.proto


export interface ListOutboxRequest {
}

export interface ListOutboxRequest__Output {
}
