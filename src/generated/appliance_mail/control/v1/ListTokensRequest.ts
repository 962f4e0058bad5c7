// Original file: proto/control.proto


export interface ListTokensRequest {
}

export interface ListTokensRequest__Output {
}
