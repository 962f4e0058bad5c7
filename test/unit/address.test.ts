import { describe, expect, it } from 'vitest';
import { isEmailAddress, isHostname, parseHostPort, parseMailServer, splitRecipients } from '../../src/util/address.js';

describe('parseMailServer', () => {
  it.each([
    ['smtp.example.com', { host: 'smtp.example.com', port: 25 }],
    ['smtp.example.com:587', { host: 'smtp.example.com', port: 587 }],
    ['192.0.2.10', { host: '192.0.2.10', port: 25 }],
    ['192.0.2.10:2525', { host: '192.0.2.10', port: 2525 }],
    ['[2001:db8::1]', { host: '2001:db8::1', port: 25 }],
    ['[2001:db8::1]:465', { host: '2001:db8::1', port: 465 }],
    ['localhost', { host: 'localhost', port: 25 }],
  ])('accepts %s', (input, expected) => {
    expect(parseMailServer(input)).toEqual(expected);
  });

  it.each([
    ['2001:db8::1', /brackets/],
    ['smtp.example.com:0', /out of range/],
    ['smtp.example.com:65536', /out of range/],
    ['smtp.example.com:abc', /not a number/],
    ['smtp_bad.example.com', /not a valid DNS name/],
    ['-smtp.example.com', /not a valid DNS name/],
    ['[not-v6]:25', /not an IPv6/],
    ['999.1.1.1', /not a valid DNS name/],
    ['', /not a valid DNS name/],
  ])('refuses %s with a reason', (input, reason) => {
    const parsed = parseMailServer(input);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(reason);
  });

  it('requires a port where there is no default', () => {
    expect(parseHostPort('0.0.0.0', null)).toEqual({ error: 'a port is required, as host:port' });
  });

  it('takes port 0 (the system picks) only where allowed: a listen address, never a server to reach', () => {
    expect(parseHostPort('127.0.0.1:0', null, { allowPortZero: true })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseHostPort('127.0.0.1:0', null)).toEqual({ error: 'port 0 is out of range (1-65535)' });
  });
});

describe('isHostname', () => {
  it('limits labels to 63 characters', () => {
    expect(isHostname(`${'a'.repeat(63)}.example.com`)).toBe(true);
    expect(isHostname(`${'a'.repeat(64)}.example.com`)).toBe(false);
  });
});

describe('isEmailAddress', () => {
  it.each(['ops@example.com', 'first.last+tag@mail.example.co.uk', 'x@[192.0.2.1]', "o'brien@example.com"])('accepts %s', (a) => {
    expect(isEmailAddress(a)).toBe(true);
  });
  it.each([
    'ops',
    'ops@',
    '@example.com',
    'ops@localhost',
    'two@@example.com',
    'a b@example.com',
    'ops@example.com\r\nBcc: victim@example.com',
    'Ops <ops@example.com>',
    '.ops@example.com',
    'ops@exa_mple.com',
  ])('refuses %j', (a) => {
    expect(isEmailAddress(a)).toBe(false);
  });
});

describe('splitRecipients', () => {
  it('trims, drops empties and duplicates, keeps order, reports bad entries', () => {
    expect(splitRecipients(' a@example.com,b@example.com ;; A@EXAMPLE.COM, bad@ ,c@example.com,')).toEqual({
      valid: ['a@example.com', 'b@example.com', 'c@example.com'],
      invalid: ['bad@'],
    });
  });
  it('takes an array of comma-separated strings', () => {
    expect(splitRecipients(['a@example.com, b@example.com', 'b@example.com']).valid).toEqual(['a@example.com', 'b@example.com']);
  });
});
