// Original file: proto/control.proto


export interface TestEmailRequest {
  'to'?: (string)[];
}

export interface TestEmailRequest__Output {
  'to': (string)[];
}
