// Original file: proto/control.proto


export interface DropOutboxReply {
  'dropped'?: (number);
}

export interface DropOutboxReply__Output {
  'dropped': (number);
}
