// Original file: proto/control.proto


export interface FlushOutboxRequest {
}

export interface FlushOutboxRequest__Output {
}
