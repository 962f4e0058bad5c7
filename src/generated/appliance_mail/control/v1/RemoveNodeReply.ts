// Original file: proto/control.proto


export interface RemoveNodeReply {
}

export interface RemoveNodeReply__Output {
}
