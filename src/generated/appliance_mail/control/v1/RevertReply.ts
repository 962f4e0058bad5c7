// Original file: proto/control.proto


export interface RevertReply {
  'version'?: (string);
  'applied'?: (boolean);
  'entry_id'?: (number);
}

export interface RevertReply__Output {
  'version': (string);
  'applied': (boolean);
  'entry_id': (number);
}
