// Original file: proto/control.proto


export interface DropOutboxReply {
}

export interface DropOutboxReply__Output {
}
