// Original file: proto/control.proto


export interface SetConsolePasswordRequest {
  'name'?: (string);
  'password'?: (string);
}

export interface SetConsolePasswordRequest__Output {
  'name': (string);
  'password': (string);
}
