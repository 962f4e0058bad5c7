/**
 * One request to an OAuth2 token endpoint (RFC 6749 section 4.4 client credentials, section 6
 * refresh), over node:https so that the private CA of mailServer.caFile applies as it does to the
 * mail server (Node 20's fetch takes no CA without undici's Agent, which is not a dependency).
 * Errors say what the provider said (`invalid_client: AADSTS7000215: ...`), never what was sent.
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { AppError } from '../errors/registry.js';
import { endpointName, type OAuth2Settings } from '../settings/oauth2.js';

/** A token endpoint that does not answer in this long is treated as down (mail waits). */
const TOKEN_TIMEOUT_MS = 10_000;
/** Token responses are a few KB; more is not a token endpoint. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Provider descriptions are one sentence plus trace ids: the first line is the useful part. */
const MAX_DESCRIPTION_CHARS = 300;

export interface TokenResponse {
  accessToken: string;
  /** 0 when the provider did not say (then the token is used until the server refuses it). */
  expiresInSeconds: number;
  /** A rotated refresh token, when the provider sent one. */
  refreshToken: string | null;
}

/**
 * Asks the endpoint for an access token with the settings' grant; `refreshToken` is the current
 * one for the refresh_token grant. Throws AM_OAUTH2_REFUSED when the provider answered with an
 * error, AM_OAUTH2_UNREACHABLE when it could not be asked.
 */
export async function requestToken(settings: OAuth2Settings, refreshToken: string | null, caPem: string | null): Promise<TokenResponse> {
  const form = new URLSearchParams({ grant_type: settings.grant, client_id: settings.clientId });
  if (settings.clientSecret !== null) form.set('client_secret', settings.clientSecret);
  if (settings.scope !== null) form.set('scope', settings.scope);
  if (settings.grant === 'refresh_token') form.set('refresh_token', refreshToken ?? '');
  const secrets = [settings.clientSecret, refreshToken].filter((s): s is string => s !== null && s !== '');
  const where = endpointName(settings.tokenUrl);
  const { status, body } = await post(settings.tokenUrl, form.toString(), caPem).catch((err: unknown) => {
    throw new AppError('AM_OAUTH2_UNREACHABLE', `cannot reach the OAuth2 token endpoint ${where}: ${redact((err as Error).message, secrets)}`, { cause: err });
  });
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = null;
  }
  if (status >= 200 && status < 300 && json !== null && typeof json['access_token'] === 'string' && json['access_token'] !== '') {
    const expires = Number(json['expires_in']);
    const rotated = json['refresh_token'];
    return {
      accessToken: json['access_token'],
      expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 0,
      refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : null,
    };
  }
  if (json !== null && typeof json['error'] === 'string') {
    const description = typeof json['error_description'] === 'string' ? `: ${firstLine(json['error_description'])}` : '';
    const said = redact(`${clean(json['error'])}${description}`, secrets);
    // A 5xx is the provider's trouble, not the settings': the same as unreachable (mail waits).
    const code = status >= 500 ? 'AM_OAUTH2_UNREACHABLE' : 'AM_OAUTH2_REFUSED';
    throw new AppError(code, `the OAuth2 token endpoint ${where} refused the ${settings.grant} grant (HTTP ${status}): ${said}`, { details: { error: clean(json['error']) } });
  }
  const code = status >= 500 || status === 429 ? 'AM_OAUTH2_UNREACHABLE' : 'AM_OAUTH2_REFUSED';
  throw new AppError(code, `the OAuth2 token endpoint ${where} answered HTTP ${status} without an access token or an OAuth2 error`);
}

function post(url: string, body: string, caPem: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
        minVersion: 'TLSv1.2',
        // The private CA is added to the public roots: the mail server may be private while the
        // token endpoint is a public provider, or both behind the same private CA.
        ...(caPem !== null ? { ca: [...rootCertificates, caPem] } : {}),
        timeout: TOKEN_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`the answer exceeds ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TOKEN_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** What a peer sent is data: control characters go, and its length is bounded. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_DESCRIPTION_CHARS);
}

function firstLine(value: string): string {
  return clean(value.split(/\r?\n/)[0] ?? '');
}

/** A provider that echoes what it was sent must not put a secret into our messages. */
function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
