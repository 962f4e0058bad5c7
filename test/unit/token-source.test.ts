/**
 * When an OAuth2 access token is used and when it is renewed, on a clock the test turns (no
 * waiting for a token to expire), against a real token endpoint on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { createOAuth2Tokens } from '../../src/oauth2/token-source.js';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { CLIENT_ID, CLIENT_SECRET, startTokenEndpoint, type TokenEndpoint } from '../helpers/oauth2.js';
import { testCertificates } from '../helpers/smtp.js';

const log = createLogger({ level: 'silent' });
const HOUR_MS = 3_600_000;
const REFRESH_AHEAD_MS = 5 * 60_000;
let endpoint: TokenEndpoint;
let caPem: string;

beforeAll(async () => {
  endpoint = await startTokenEndpoint();
  caPem = (await testCertificates()).caPem;
});
afterAll(() => endpoint.close());

function settings(scope: string): MailServerSettings {
  return {
    enabled: true,
    host: '127.0.0.1',
    port: 587,
    sender: 'alerts@contoso.example',
    username: 'alerts@contoso.example',
    password: null,
    tls: true,
    allowPlaintextAuth: false,
    caPem,
    auth: 'oauth2',
    // A scope of its own per test: each gets a source (and a cache) of its own.
    oauth2: { tokenUrl: endpoint.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope, grant: 'client_credentials', refreshToken: null },
  };
}

/** A source on a clock that stands still until the test moves it. */
function sourceAt(start: number, scope: string) {
  const clock = { now: start };
  const source = createOAuth2Tokens({ state: null, log, now: () => clock.now }).forSettings(settings(scope))!;
  return { clock, source };
}

describe('OAuth2 token expiry', () => {
  it('a token is used until five minutes before it expires, then replaced before use', async () => {
    endpoint.expiresInSeconds = 3600;
    const { clock, source } = sourceAt(1_000_000, 'hour');
    const first = await source.token(false);
    expect(first.expiresAt).toBe(1_000_000 + HOUR_MS);
    expect(source.status().validUntil).toBe(new Date(first.expiresAt).toISOString());
    clock.now = first.expiresAt - REFRESH_AHEAD_MS - 1;
    expect(await source.token(false)).toBe(first);
    clock.now = first.expiresAt - REFRESH_AHEAD_MS;
    const second = await source.token(false);
    expect(second.token).not.toBe(first.token);
    expect(second.obtainedAt).toBe(clock.now);
  });

  it('a short-lived token is renewed a tenth of its life ahead', async () => {
    endpoint.expiresInSeconds = 60;
    const { clock, source } = sourceAt(5_000_000, 'minute');
    const first = await source.token(false);
    clock.now = first.expiresAt - 6_000 - 1;
    expect(await source.token(false)).toBe(first);
    clock.now = first.expiresAt - 6_000;
    expect((await source.token(false)).token).not.toBe(first.token);
  });

  it('a token without a lifetime is used until a server refuses it (discard)', async () => {
    endpoint.expiresInSeconds = 0;
    const { clock, source } = sourceAt(9_000_000, 'forever');
    const first = await source.token(false);
    expect(first.expiresAt).toBe(0);
    clock.now += 365 * 24 * HOUR_MS;
    expect(await source.token(false)).toBe(first);
    source.discard();
    expect((await source.token(false)).token).not.toBe(first.token);
  });
});
