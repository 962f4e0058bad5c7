// Original file: proto/control.proto


export interface SetModeRequest {
  'mode'?: (string);
}

export interface SetModeRequest__Output {
  'mode': (string);
}
