// Original file: proto/control.proto


export interface TestEmailStep {
  'step'?: (string);
  'ok'?: (boolean);
  'detail'?: (string);
  'hint'?: (string);
}

export interface TestEmailStep__Output {
  'step': (string);
  'ok': (boolean);
  'detail': (string);
  'hint': (string);
}
