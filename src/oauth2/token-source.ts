/**
 * Access tokens for XOAUTH2: fetched from the token endpoint, cached until shortly before they
 * expire, renewed when a mail server refused one. One source per OAuth2 settings, shared by
 * delivery, the test email and the secondary's verification, so that one refresh token is never
 * used twice at once. With the refresh_token grant the provider may rotate the refresh token on
 * each use: the new one is written to the state file (0600, fsync'd) before the access token that
 * came with it is handed out, so a crash at any point leaves the current one on disk.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { endpointName, type OAuth2Settings } from '../settings/oauth2.js';
import type { MailServerSettings } from '../settings/schema.js';
import { MAX_OAUTH2_REFRESH_RECORDS } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { requestToken } from './token-endpoint.js';

/** Renewed this long before the provider's expiry (or a tenth of a short life): no send meets an expiring token. */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Sources kept for settings no longer in force (a console test, the previous settings); then the oldest goes. */
const MAX_SOURCES = 8;

export interface AccessToken {
  token: string;
  obtainedAt: number;
  /** Epoch ms; 0 when the provider gave no lifetime. */
  expiresAt: number;
}

export interface TokenStatus {
  endpoint: string;
  grant: OAuth2Settings['grant'];
  /** When the cached token stops being used (ISO), null while there is none. */
  validUntil: string | null;
  /** The last failure to get a token, in words; cleared by the next token. */
  lastError: string | null;
}

export interface TokenSource {
  /** A token to present; `renew` fetches a new one (a server refused the one in hand). */
  token(renew: boolean): Promise<AccessToken>;
  /** A server refused the cached token (535): the next `token` call fetches a new one. */
  discard(): void;
  status(): TokenStatus;
}

export interface OAuth2Tokens {
  /** The source for these settings (the same one while they stay the same); null with auth "password". */
  forSettings(settings: MailServerSettings): TokenSource | null;
}

interface SourceDeps {
  state: StateStore | null;
  log: Logger;
  /** The clock tokens expire by (epoch ms); Date.now unless a test turns time itself. */
  now?: () => number;
  /** Told after a rotated refresh token is stored (the audit trail records it; never the token). */
  onRefreshRotated?: (endpoint: string) => void;
}

/** `state` null: the refresh_token grant keeps its rotated token in memory only (tests, one-off tools). */
export function createOAuth2Tokens(deps: SourceDeps): OAuth2Tokens {
  const sources = new Map<string, TokenSource>();
  return {
    forSettings(settings) {
      if (settings.auth !== 'oauth2' || settings.oauth2 === null) return null;
      const key = digest([settings.oauth2, settings.caPem]);
      let source = sources.get(key);
      if (source === undefined) {
        source = createTokenSource(settings.oauth2, settings.caPem, deps);
        if (sources.size >= MAX_SOURCES) sources.delete(sources.keys().next().value!);
      } else {
        sources.delete(key);
      }
      sources.set(key, source);
      return source;
    },
  };
}

function createTokenSource(settings: OAuth2Settings, caPem: string | null, deps: SourceDeps): TokenSource {
  const { state, log } = deps;
  const now = deps.now ?? Date.now;
  const endpoint = endpointName(settings.tokenUrl);
  /** The rotated refresh token belongs to the configured one: a new consent starts afresh. */
  const refreshKey = settings.refreshToken === null ? null : digest([settings.tokenUrl, settings.clientId, settings.refreshToken]);
  let refreshToken: string | null = null;
  let cached: AccessToken | null = null;
  let inFlight: Promise<AccessToken> | null = null;
  let lastError: string | null = null;

  function currentRefreshToken(): string | null {
    if (refreshToken !== null) return refreshToken;
    const held = state?.get();
    // A state written before successors were kept per grant holds its one in `oauth2Refresh`.
    const stored = held?.oauth2Refreshes.find((r) => r.key === refreshKey) ?? (held?.oauth2Refresh?.key === refreshKey ? held.oauth2Refresh : null);
    return stored ? stored.refreshToken : settings.refreshToken;
  }

  async function fetchToken(): Promise<AccessToken> {
    const used = settings.grant === 'refresh_token' ? currentRefreshToken() : null;
    const obtainedAt = now();
    const answer = await requestToken(settings, used, caPem);
    if (settings.grant === 'refresh_token' && answer.refreshToken !== null && answer.refreshToken !== used) {
      // The provider may have retired `used` already: keep the successor in memory whatever
      // happens, and hand out nothing until it is on disk.
      refreshToken = answer.refreshToken;
      if (state !== null) {
        const record = { key: refreshKey!, refreshToken: answer.refreshToken, rotatedAt: new Date().toISOString() };
        await state
          .update((s) => {
            s.oauth2Refreshes = [record, ...s.oauth2Refreshes.filter((r) => r.key !== record.key)].slice(0, MAX_OAUTH2_REFRESH_RECORDS);
            s.oauth2Refresh = record;
          })
          .catch((err: unknown) => {
            throw new AppError('AM_STATE_IO', `the OAuth2 provider rotated the refresh token and it cannot be stored: ${(err as Error).message}`, { cause: err });
          });
      }
      log.info({ endpoint }, 'OAuth2 refresh token rotated and stored');
      deps.onRefreshRotated?.(endpoint);
    }
    const token = { token: answer.accessToken, obtainedAt, expiresAt: answer.expiresInSeconds > 0 ? obtainedAt + answer.expiresInSeconds * 1000 : 0 };
    log.info({ endpoint, grant: settings.grant, expiresInSeconds: answer.expiresInSeconds }, 'OAuth2 access token obtained');
    return token;
  }

  function fresh(token: AccessToken): boolean {
    if (token.expiresAt === 0) return true;
    const ahead = Math.min(REFRESH_AHEAD_MS, (token.expiresAt - token.obtainedAt) / 10);
    return now() < token.expiresAt - ahead;
  }

  return {
    token(renew) {
      if (!renew && cached !== null && fresh(cached)) return Promise.resolve(cached);
      // One request at a time: a refresh token must not be spent twice, and concurrent sends
      // that all found the token stale wait for the same answer.
      inFlight ??= fetchToken()
        .then(
          (token) => {
            cached = token;
            lastError = null;
            return token;
          },
          (err: unknown) => {
            cached = null;
            lastError = (err as Error).message;
            log.warn({ endpoint, grant: settings.grant, code: (err as AppError).code, reason: lastError }, 'cannot get an OAuth2 access token');
            throw err;
          },
        )
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
    discard() {
      cached = null;
    },
    status: () => ({
      endpoint,
      grant: settings.grant,
      validUntil: cached === null ? null : cached.expiresAt === 0 ? 'until refused' : new Date(cached.expiresAt).toISOString(),
      lastError,
    }),
  };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
