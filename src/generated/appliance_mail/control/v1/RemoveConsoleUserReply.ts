// Original file: proto/control.proto


export interface RemoveConsoleUserReply {
}

export interface RemoveConsoleUserReply__Output {
}
