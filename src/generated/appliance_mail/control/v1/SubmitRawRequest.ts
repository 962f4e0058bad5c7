// Original file: proto/control.proto


export interface SubmitRawRequest {
  'message'?: (Buffer | Uint8Array | string);
  'recipients'?: (string)[];
  'recipients_from_headers'?: (boolean);
}

export interface SubmitRawRequest__Output {
  'message': (Buffer);
  'recipients': (string)[];
  'recipients_from_headers': (boolean);
}
