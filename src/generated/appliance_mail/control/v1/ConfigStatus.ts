// Original file: proto/control.proto


export interface ConfigStatus {
  'file'?: (string);
  'version'?: (string);
  'applied_at'?: (string);
  'error'?: (string);
  'error_code'?: (string);
  'error_at'?: (string);
}

export interface ConfigStatus__Output {
  'file': (string);
  'version': (string);
  'applied_at': (string);
  'error': (string);
  'error_code': (string);
  'error_at': (string);
}
