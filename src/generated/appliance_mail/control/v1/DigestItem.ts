// Original file: proto/control.proto


export interface DigestItem {
  'type'?: (string);
  'name'?: (string);
  'value'?: (string);
  'status'?: (string);
  'dashboard'?: (string);
}

export interface DigestItem__Output {
  'type': (string);
  'name': (string);
  'value': (string);
  'status': (string);
  'dashboard': (string);
}
