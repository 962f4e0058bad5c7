// Original file: proto/control.proto


export interface HistoryRequest {
  'since_seconds'?: (number);
  'limit'?: (number);
  'kind'?: (string);
  'actor'?: (string);
}

export interface HistoryRequest__Output {
  'since_seconds': (number);
  'limit': (number);
  'kind': (string);
  'actor': (string);
}
