/**
 * mailServer.auth "oauth2" through the doors the settings come by: the config file (with
 * clientSecretFile), the federation wire (client_credentials travels, the refresh token never),
 * each refused in the words of its field and never with a secret in the message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig, type ConfigIssue } from '../../src/config/load.js';
import { AppError } from '../../src/errors/registry.js';
import { decodeSettings, encodeSettings } from '../../src/federation/settings-wire.js';
import type { SettingsUpdate__Output } from '../../src/generated/appliance_mail/federation/v1/SettingsUpdate.js';
import type { FederatedSettings } from '../../src/settings/schema.js';

const FILE = '/etc/appliance-mail/config.json';
const TOKEN_URL = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token';

function config(oauth2: Record<string, unknown> = {}, mailServer: Record<string, unknown> = {}): Record<string, any> {
  return {
    node: { name: 'appliance-1', role: 'primary', stateDir: '/var/lib/appliance-mail' },
    mailServer: {
      enabled: true,
      server: 'smtp.office365.com:587',
      sender: 'alerts@contoso.example',
      username: 'alerts@contoso.example',
      tls: true,
      auth: 'oauth2',
      oauth2: { tokenUrl: TOKEN_URL, clientId: 'app-id', clientSecret: 'Hunter2-Secret', scope: 'https://outlook.office365.com/.default', grant: 'client_credentials', ...oauth2 },
      ...mailServer,
    },
  };
}

function issuesOf(value: unknown, file = FILE): ConfigIssue[] {
  try {
    parseConfig(JSON.stringify(value), file);
  } catch (err) {
    expect((err as AppError).code).toBe('AM_CONFIG_INVALID');
    expect(JSON.stringify({ m: (err as Error).message, d: (err as AppError).details })).not.toContain('Hunter2');
    return (err as AppError).details['issues'] as ConfigIssue[];
  }
  throw new Error('expected the config to be refused');
}

describe('mailServer.oauth2 in the config file', () => {
  it('resolves client credentials; auth defaults to password', () => {
    const parsed = parseConfig(JSON.stringify(config()), FILE);
    expect(parsed.mailServer).toMatchObject({ auth: 'oauth2', password: null, oauth2: { tokenUrl: TOKEN_URL, clientId: 'app-id', clientSecret: 'Hunter2-Secret', grant: 'client_credentials', refreshToken: null } });
    expect(parsed.secretFiles).toEqual([FILE]);
    const plain = config();
    delete plain.mailServer.auth;
    delete plain.mailServer.oauth2;
    plain.mailServer.password = 'pw';
    expect(parseConfig(JSON.stringify(plain), FILE).mailServer).toMatchObject({ auth: 'password', oauth2: null });
  });

  it('reads clientSecretFile (one line) and counts it among the secret files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-oauth-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    const parsed = parseConfig(JSON.stringify(config({ clientSecret: undefined, clientSecretFile: 'secret' })), join(dir, 'config.json'));
    expect(parsed.mailServer.oauth2?.clientSecret).toBe('from-file');
    expect(parsed.secretFiles).toEqual([join(dir, 'secret')]);
    expect(issuesOf(config({ clientSecretFile: 'secret' }), join(dir, 'config.json'))).toEqual([{ path: 'mailServer.oauth2.clientSecretFile', message: 'give clientSecret or clientSecretFile, not both' }]);
  });

  it('refuses what cannot work, each at its field', () => {
    expect(issuesOf(config({ tokenUrl: 'http://login.example.com/token' }))).toEqual([{ path: 'mailServer.oauth2.tokenUrl', message: 'must be an https:// URL: the request carries the client secret' }]);
    expect(issuesOf(config({}, { tls: false, allowPlaintextAuth: true }))).toEqual([{ path: 'mailServer.tls', message: 'must be true with auth "oauth2": the token is sent only after STARTTLS' }]);
    expect(issuesOf(config({}, { password: 'Hunter2-Secret' }))).toEqual([{ path: 'mailServer.password', message: 'is not used with auth "oauth2" (the token replaces it): remove it' }]);
    expect(issuesOf(config({}, { username: undefined })).map((i) => i.path)).toContain('mailServer.username');
    expect(issuesOf(config({}, { oauth2: undefined }))).toEqual([{ path: 'mailServer.oauth2', message: 'is required with auth "oauth2"' }]);
    expect(issuesOf(config({ clientSecret: undefined }))).toEqual([{ path: 'mailServer.oauth2.clientSecret', message: 'is required with grant client_credentials' }]);
    expect(issuesOf(config({ grant: 'refresh_token' }))).toEqual([{ path: 'mailServer.oauth2.refreshToken', message: 'is required with grant refresh_token' }]);
    expect(issuesOf(config({}, { auth: 'password', password: 'pw' }))).toEqual([{ path: 'mailServer.oauth2', message: 'is only used with auth "oauth2"' }]);
    expect(issuesOf(config({ audience: 'x' })).map((i) => i.path)).toEqual(['mailServer.oauth2']);
  });
});

describe('OAuth2 settings on the federation wire', () => {
  const settings = (grant: 'client_credentials' | 'refresh_token'): FederatedSettings => ({
    mailServer: {
      ...parseConfig(JSON.stringify(config(grant === 'refresh_token' ? { grant, refreshToken: 'rt-Hunter2' } : {})), FILE).mailServer,
    },
    recipients: ['ops@example.com'],
    portalAddress: null,
  });
  const received = (update: ReturnType<typeof encodeSettings>) => update as unknown as SettingsUpdate__Output;

  it('client credentials round-trip', () => {
    const s = settings('client_credentials');
    expect(decodeSettings(received(encodeSettings(3, s, 'p1')))).toEqual({ settings: s });
  });

  it('the refresh token never leaves the primary; a secondary refuses that grant with the reason', () => {
    const wire = encodeSettings(4, settings('refresh_token'), 'p1');
    expect(wire.mail_server?.oauth2).toMatchObject({ grant: 'refresh_token', refresh_token: '' });
    expect(JSON.stringify(wire)).not.toContain('rt-Hunter2');
    const result = decodeSettings(received(wire));
    expect('error' in result && result.error).toMatch(/^the primary authenticates with the OAuth2 refresh_token grant, .* only one node can hold: use grant client_credentials on the primary to centralize OAuth2, or make this node local; mailServer\.oauth2\.refreshToken: is required/);
  });

  it('an older primary (no auth field) means password', () => {
    const wire = received(encodeSettings(5, { mailServer: { ...parseConfig(JSON.stringify(config()), FILE).mailServer, auth: 'password', oauth2: null, password: 'pw' }, recipients: [], portalAddress: null }, 'p1'));
    const old = { ...wire, mail_server: { ...wire.mail_server!, auth: '', oauth2: null } };
    expect(decodeSettings(old)).toMatchObject({ settings: { mailServer: { auth: 'password', oauth2: null, password: 'pw' } } });
  });
});
