import { describe, expect, it } from 'vitest';
import { keptPasswordIssues, RETYPE_PASSWORD } from '../../src/console/kept-password.js';

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
