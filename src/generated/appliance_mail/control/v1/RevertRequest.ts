// Original file: proto/control.proto


export interface RevertRequest {
  'id'?: (number);
  'expected_digest'?: (string);
}

export interface RevertRequest__Output {
  'id': (number);
  'expected_digest': (string);
}
