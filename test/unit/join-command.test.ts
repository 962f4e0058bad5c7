import { describe, expect, it } from 'vitest';
import { joinAddress, joinCommand } from '../../src/federation/join-command.js';

describe('the join address secondaries are told to dial', () => {
  it.each([
    ['127.0.0.1:7443', null, '127.0.0.1:7443'],
    ['10.0.0.5:7443', null, '10.0.0.5:7443'],
    ['[2001:db8::5]:7443', null, '[2001:db8::5]:7443'],
    // A wildcard listen says nothing about the address a secondary reaches: the machine's name.
    ['0.0.0.0:7443', null, 'primary-1.example.com:7443'],
    ['[::]:7443', null, 'primary-1.example.com:7443'],
    // federation.advertise wins; without a port it takes the bound one.
    ['0.0.0.0:7443', 'mail-primary.example.com', 'mail-primary.example.com:7443'],
    ['127.0.0.1:7443', '203.0.113.7:443', '203.0.113.7:443'],
    ['0.0.0.0:7443', '[2001:db8::7]', '[2001:db8::7]:7443'],
  ])('listen %s, advertise %s: %s', (bound, advertise, expected) => {
    expect(joinAddress(bound, advertise, 'primary-1.example.com')).toBe(expected);
  });

  it('makes the command to paste', () => {
    expect(joinCommand('p.example.com:7443', 'amj1.x')).toBe('appliance-mail join --primary p.example.com:7443 --token amj1.x --centralize');
  });
});
