// Original file: proto/control.proto


export interface DropOutboxRequest {
  'id'?: (string);
}

export interface DropOutboxRequest__Output {
  'id': (string);
}
