// Original file: proto/federation.proto


export interface OAuth2 {
  'token_url'?: (string);
  'client_id'?: (string);
  'client_secret'?: (string);
  'scope'?: (string);
  'grant'?: (string);
  'refresh_token'?: (string);
}

export interface OAuth2__Output {
  'token_url': (string);
  'client_id': (string);
  'client_secret': (string);
  'scope': (string);
  'grant': (string);
  'refresh_token': (string);
}
