// Original file: proto/control.proto


export interface JoinRequest {
  'primary'?: (string);
  'token'?: (string);
  'centralize'?: (boolean);
}

export interface JoinRequest__Output {
  'primary': (string);
  'token': (string);
  'centralize': (boolean);
}
