// Original file: proto/control.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
