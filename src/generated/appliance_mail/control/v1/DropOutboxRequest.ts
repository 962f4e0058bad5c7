// Original file: proto/control.proto


export interface DropOutboxRequest {
  'id'?: (string);
  'ids'?: (string)[];
  'all_dead'?: (boolean);
}

export interface DropOutboxRequest__Output {
  'id': (string);
  'ids': (string)[];
  'all_dead': (boolean);
}
