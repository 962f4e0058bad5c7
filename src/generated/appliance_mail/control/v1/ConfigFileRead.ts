// Original file: proto/control.proto


export interface ConfigFileRead {
  'field'?: (string);
  'path'?: (string);
  'read_at'?: (string);
}

export interface ConfigFileRead__Output {
  'field': (string);
  'path': (string);
  'read_at': (string);
}
