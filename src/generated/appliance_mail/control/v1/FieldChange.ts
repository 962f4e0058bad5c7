// Original file: proto/control.proto


export interface FieldChange {
  'path'?: (string);
  'before'?: (string);
  'after'?: (string);
  'secret'?: (boolean);
}

export interface FieldChange__Output {
  'path': (string);
  'before': (string);
  'after': (string);
  'secret': (boolean);
}
