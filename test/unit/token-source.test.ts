/**
 * When an OAuth2 access token is used and when it is renewed, on a clock the test turns (no
 * waiting for a token to expire), against a real token endpoint on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { createOAuth2Tokens } from '../../src/oauth2/token-source.js';
import { openStateStore } from '../../src/state/store.js';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { CLIENT_ID, CLIENT_SECRET, startTokenEndpoint, type TokenEndpoint } from '../helpers/oauth2.js';
import { testCertificates } from '../helpers/smtp.js';
import { testDir } from '../helpers/test-dir.js';

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

describe('OAuth2 refresh_token: successors kept per grant', () => {
  function refreshSettings(refreshToken: string): MailServerSettings {
    const base = settings('https://mail.google.com/');
    return { ...base, oauth2: { ...base.oauth2!, grant: 'refresh_token', refreshToken } };
  }

  it("a test of unsaved values whose token the provider rotates leaves the grant in force its own successor, after a restart too", async () => {
    const dir = testDir('am-oauth2-state-');
    endpoint.liveRefreshTokens.add('rt-live-0');
    endpoint.liveRefreshTokens.add('rt-tested-0');
    let state = await openStateStore(dir);
    const tokens = createOAuth2Tokens({ state, log });
    // The grant in force rotates, then the console tests other values, whose grant rotates too.
    await tokens.forSettings(refreshSettings('rt-live-0'))!.token(false);
    await tokens.forSettings(refreshSettings('rt-tested-0'))!.token(false);
    expect(endpoint.liveRefreshTokens.has('rt-live-0')).toBe(false);
    expect(state.get().oauth2Refreshes).toHaveLength(2);
    await state.close();

    // A restart: each grant finds its own successor (before, the tested one had taken the only place).
    state = await openStateStore(dir);
    const restarted = createOAuth2Tokens({ state, log });
    const spent = endpoint.requests.length;
    await restarted.forSettings(refreshSettings('rt-live-0'))!.token(false);
    await restarted.forSettings(refreshSettings('rt-tested-0'))!.token(false);
    const successorUsed = { ok: true, refreshToken: expect.stringMatching(/^rt-Pa55-/) };
    expect(endpoint.requests.slice(spent)).toMatchObject([successorUsed, successorUsed]);
    await state.close();
  });

  it("reads the one successor a state written before 2026-12-04 holds, and keeps at most the newest 16", async () => {
    const dir = testDir('am-oauth2-state-');
    endpoint.liveRefreshTokens.add('rt-old-0');
    let state = await openStateStore(dir);
    const first = createOAuth2Tokens({ state, log });
    await first.forSettings(refreshSettings('rt-old-0'))!.token(false);
    const successor = state.get().oauth2Refreshes[0]!;
    // As an older daemon left it: the successor in `oauth2Refresh` alone.
    await state.update((s) => {
      s.oauth2Refreshes = [];
      s.oauth2Refresh = successor;
    });
    await state.close();
    state = await openStateStore(dir);
    const spent = endpoint.requests.length;
    await createOAuth2Tokens({ state, log }).forSettings(refreshSettings('rt-old-0'))!.token(false);
    expect(endpoint.requests.slice(spent)).toMatchObject([{ refreshToken: successor.refreshToken, ok: true }]);

    const many = createOAuth2Tokens({ state, log });
    for (let i = 0; i < 20; i++) {
      endpoint.liveRefreshTokens.add(`rt-many-${i}`);
      await many.forSettings(refreshSettings(`rt-many-${i}`))!.token(false);
    }
    expect(state.get().oauth2Refreshes).toHaveLength(16);
    expect(state.get().oauth2Refresh).toEqual(state.get().oauth2Refreshes[0]);
    await state.close();
  });
});
