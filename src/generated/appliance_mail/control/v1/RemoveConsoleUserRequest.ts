// Original file: proto/control.proto


export interface RemoveConsoleUserRequest {
  'name'?: (string);
}

export interface RemoveConsoleUserRequest__Output {
  'name': (string);
}
