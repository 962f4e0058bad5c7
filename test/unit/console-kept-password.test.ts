import { describe, expect, it } from 'vitest';
import { keptOAuth2Issues, keptPasswordIssues, RETYPE_OAUTH2, RETYPE_PASSWORD } from '../../src/console/kept-password.js';

const saved = { enabled: true, server: 'smtp.example.com:587', username: 'mailer', password: 'secret', tls: true };
const form = { server: 'smtp.example.com:587', username: 'mailer', tls: true, password: '', clearPassword: false };
const refused = [{ path: 'mailServer.password', message: RETYPE_PASSWORD }];

describe('keeping the saved SMTP password from the Mail server form', () => {
  it('keeps it for the saved destination, written either way (host case, default port)', () => {
    expect(keptPasswordIssues(saved, form)).toEqual([]);
    expect(keptPasswordIssues(saved, { ...form, server: 'SMTP.Example.com:587' })).toEqual([]);
    expect(keptPasswordIssues({ ...saved, server: 'smtp.example.com' }, { ...form, server: 'smtp.example.com:25' })).toEqual([]);
    // tls absent from the file is the default, true.
    expect(keptPasswordIssues({ server: saved.server, username: 'mailer', passwordFile: '/etc/pw' }, form)).toEqual([]);
  });

  it('refuses to keep it for another host, port, TLS setting or username', () => {
    expect(keptPasswordIssues(saved, { ...form, server: '127.0.0.1:587' })).toEqual(refused);
    expect(keptPasswordIssues(saved, { ...form, server: 'smtp.example.com:2525' })).toEqual(refused);
    expect(keptPasswordIssues(saved, { ...form, server: 'smtp.example.com' })).toEqual(refused);
    expect(keptPasswordIssues(saved, { ...form, tls: false })).toEqual(refused);
    expect(keptPasswordIssues(saved, { ...form, username: 'other' })).toEqual(refused);
    expect(keptPasswordIssues({ ...saved, password: undefined, passwordFile: 'pw' }, { ...form, username: 'other' })).toEqual(refused);
    // A file value of another type is no destination the form can match.
    expect(keptPasswordIssues({ ...saved, server: 42 }, form)).toEqual(refused);
  });

  it('has nothing to refuse when a password is typed, cleared, or none is saved', () => {
    const elsewhere = { ...form, server: '127.0.0.1:2525' };
    expect(keptPasswordIssues(saved, { ...elsewhere, password: 'typed-again' })).toEqual([]);
    expect(keptPasswordIssues(saved, { ...elsewhere, clearPassword: true })).toEqual([]);
    expect(keptPasswordIssues({ server: 'smtp.example.com', username: 'mailer' }, elsewhere)).toEqual([]);
  });
});

describe('keeping the saved OAuth2 secrets from the Mail server form', () => {
  const oauthSaved = {
    enabled: true,
    server: 'smtp.office365.com:587',
    username: 'alerts@example.com',
    tls: true,
    auth: 'oauth2',
    oauth2: { tokenUrl: 'https://login.example.com/token', clientId: 'app-1', clientSecret: 'cs', grant: 'refresh_token', refreshToken: 'rt' },
  };
  const oauthForm = {
    server: 'smtp.office365.com:587',
    username: 'alerts@example.com',
    tls: true,
    auth: 'oauth2' as const,
    tokenUrl: 'https://login.example.com/token',
    clientId: 'app-1',
    clientSecret: '',
    clearClientSecret: false,
    refreshToken: '',
    clearRefreshToken: false,
  };
  const both = [
    { path: 'mailServer.oauth2.clientSecret', message: RETYPE_OAUTH2 },
    { path: 'mailServer.oauth2.refreshToken', message: RETYPE_OAUTH2 },
  ];

  it('keeps them while the token URL, client id and mail server stay as saved', () => {
    expect(keptOAuth2Issues(oauthSaved, oauthForm)).toEqual([]);
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, auth: 'password' })).toEqual([]);
  });

  it('refuses to keep them for another token URL, client id, server or username', () => {
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, tokenUrl: 'https://attacker.example/token' })).toEqual(both);
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, clientId: 'app-2' })).toEqual(both);
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, server: 'smtp.attacker.example:587' })).toEqual(both);
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, username: 'other@example.com' })).toEqual(both);
    // Typed again, or cleared: nothing saved goes anywhere new.
    expect(keptOAuth2Issues(oauthSaved, { ...oauthForm, clientId: 'app-2', clientSecret: 'new', clearRefreshToken: true })).toEqual([]);
  });
});
