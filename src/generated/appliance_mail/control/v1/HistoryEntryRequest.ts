// Original file: proto/control.proto


export interface HistoryEntryRequest {
  'id'?: (number);
}

export interface HistoryEntryRequest__Output {
  'id': (number);
}
