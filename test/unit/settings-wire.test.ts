import { describe, expect, it } from 'vitest';
import { decodeSettings, encodeSettings } from '../../src/federation/settings-wire.js';
import type { SettingsUpdate__Output } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { FederatedSettings } from '../../src/settings/schema.js';

const SETTINGS: FederatedSettings = {
  mailServer: { enabled: true, host: '2001:db8::25', port: 587, sender: 'a@example.com', username: 'u', password: 'p', tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
  recipients: ['ops@example.com', 'dba@example.com'],
  portalAddress: 'https://portal.example.com:8443',
};

/** What the receiving side sees: proto3 fills every absent field with its default. */
const received = (update: ReturnType<typeof encodeSettings>) => update as unknown as SettingsUpdate__Output;

describe('the settings wire codec', () => {
  it('round-trips settings, nulls as proto3 defaults', () => {
    expect(decodeSettings(received(encodeSettings(7, SETTINGS, 'p1')))).toEqual({ settings: SETTINGS });
    const off: FederatedSettings = {
      mailServer: { enabled: false, host: null, port: null, sender: null, username: null, password: null, tls: true, allowPlaintextAuth: false, caPem: null, auth: 'password' as const, oauth2: null },
      recipients: [],
      portalAddress: null,
    };
    const wire = encodeSettings(8, off, 'p1');
    expect(wire.mail_server).toMatchObject({ host: '', port: 0, sender: '', username: '', password: '', ca_pem: '' });
    expect(decodeSettings(received(wire))).toEqual({ settings: off });
  });

  it('refuses with every problem named by its field, and never echoes the password', () => {
    const wire = received(encodeSettings(9, SETTINGS, 'p1'));
    const bad = { ...wire, mail_server: { ...wire.mail_server!, password: 'Se\ncret', tls: false, sender: 'x@' } };
    const result = decodeSettings(bad);
    expect('error' in result && result.error.split('; ')).toEqual([
      'mailServer.sender: is not a valid email address (user@example.com)',
      'mailServer.password: must not contain CR, LF or NUL',
      'mailServer.username: with tls false, AUTH would send the username and password in clear: set tls true, or allowPlaintextAuth true to accept that',
    ]);
    expect(JSON.stringify(result)).not.toContain('Se\\ncret');
    expect(decodeSettings({ ...wire, mail_server: null })).toEqual({ error: 'the update has no mail server settings' });
  });

  it("carries the primary's portal.address, and refuses one its own config file would refuse", () => {
    const wire = received(encodeSettings(10, SETTINGS, 'p1'));
    expect(wire.portal_address).toBe('https://portal.example.com:8443');
    // From a primary that does not publish one (unset, or older): no links rather than a guess.
    expect(decodeSettings({ ...wire, portal_address: '' })).toEqual({ settings: { ...SETTINGS, portalAddress: null } });
    expect(decodeSettings({ ...wire, portal_address: 'https://portal example' })).toEqual({
      error: 'portalAddress: must be a DNS name or IP, with optional http(s):// scheme and :port',
    });
  });
});
