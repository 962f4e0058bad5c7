/**
 * A real OAuth2 token endpoint on loopback (HTTPS, the test CA of testCertificates), and the
 * XOAUTH2 check an SMTP server makes with what it issued. It speaks the two grants as Microsoft
 * and Google do: client_credentials, and refresh_token with rotation (each refresh token works
 * once; the answer carries its successor). Errors are Microsoft's (AADSTS codes).
 * Every secret it deals in contains "Pa55", so the daemon-log secret scan catches a leak.
 */
import { createServer, type Server } from 'node:https';
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import { testCertificates } from './smtp.js';

export const CLIENT_ID = 'appliance-mail-test';
export const CLIENT_SECRET = 'client-Pa55-secret';
export const INITIAL_REFRESH_TOKEN = 'rt-Pa55-0';

export interface IssuedToken {
  token: string;
  grant: string;
  expiresAt: number;
}

export interface TokenEndpoint {
  url: string;
  /** Every token request, in order: its grant and (refresh_token) the refresh token it spent. */
  requests: Array<{ grant: string; refreshToken: string | null; scope: string | null; ok: boolean }>;
  issued: IssuedToken[];
  /** Lifetime of the tokens it issues from now on. */
  expiresInSeconds: number;
  /** The client secret it accepts (CLIENT_SECRET until a test rotates it). */
  clientSecret: string;
  /** While true, every connection is reset before an answer (the endpoint "cannot be reached"). */
  down: boolean;
  /** Refresh tokens that still work (one at a time: rotation). */
  liveRefreshTokens: Set<string>;
  /** Makes every issued access token invalid (as a revocation), so that servers refuse them. */
  revokeAll(): void;
  /** Whether `token` is an access token it issued that has not expired or been revoked. */
  valid(token: string | undefined): boolean;
  close(): Promise<void>;
}

export async function startTokenEndpoint(): Promise<TokenEndpoint> {
  const certs = await testCertificates();
  let counter = 0;
  let revokedBefore = 0;
  const endpoint: TokenEndpoint = {
    url: '',
    requests: [],
    issued: [],
    expiresInSeconds: 3600,
    clientSecret: CLIENT_SECRET,
    down: false,
    liveRefreshTokens: new Set([INITIAL_REFRESH_TOKEN]),
    revokeAll() {
      revokedBefore = endpoint.issued.length;
    },
    valid(token) {
      const index = endpoint.issued.findIndex((t) => t.token === token);
      return index >= revokedBefore && Date.now() < endpoint.issued[index]!.expiresAt;
    },
    close: async () => undefined,
  };
  const server: Server = createServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
    if (endpoint.down) {
      req.socket.destroy();
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const grant = form.get('grant_type') ?? '';
      const refreshToken = form.get('refresh_token');
      const fail = (status: number, error: string, description: string) => {
        endpoint.requests.push({ grant, refreshToken, scope: form.get('scope'), ok: false });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error, error_description: `${description}\r\nTrace ID: 0000\r\nCorrelation ID: 1111`, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)] }));
      };
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-www-form-urlencoded') return fail(400, 'invalid_request', 'AADSTS900144: The request body must be a form.');
      if (form.get('client_id') !== CLIENT_ID) return fail(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`);
      if (grant === 'client_credentials') {
        if (form.get('client_secret') !== endpoint.clientSecret) return fail(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
      } else if (grant === 'refresh_token') {
        if (refreshToken === null || !endpoint.liveRefreshTokens.has(refreshToken)) return fail(400, 'invalid_grant', 'AADSTS70000: The provided value for the refresh_token is not valid; it may have been used already.');
      } else {
        return fail(400, 'unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grant}'.`);
      }
      const token = `at-Pa55-${++counter}`;
      endpoint.issued.push({ token, grant, expiresAt: Date.now() + endpoint.expiresInSeconds * 1000 });
      endpoint.requests.push({ grant, refreshToken, scope: form.get('scope'), ok: true });
      const answer: Record<string, unknown> = { token_type: 'Bearer', access_token: token, expires_in: endpoint.expiresInSeconds };
      if (grant === 'refresh_token') {
        const next = `rt-Pa55-${counter}`;
        endpoint.liveRefreshTokens.delete(refreshToken!);
        endpoint.liveRefreshTokens.add(next);
        answer['refresh_token'] = next;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint.url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/tenant-1/oauth2/v2.0/token`;
  endpoint.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

/**
 * smtp-server's onAuth for XOAUTH2: accepts the mailbox with a token the endpoint issued and that
 * is still valid, refuses anything else with Exchange Online's 535 5.7.3. `refused` counts refusals.
 */
export function xoauth2Check(endpoint: TokenEndpoint, mailbox: string, counters: { refused: number; accepted: string[] }) {
  return (auth: SMTPServerAuthentication, _session: SMTPServerSession, callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void) => {
    if (auth.method === 'XOAUTH2' && auth.username === mailbox && endpoint.valid(auth.accessToken)) {
      counters.accepted.push(auth.accessToken!);
      callback(null, { user: mailbox });
      return;
    }
    counters.refused++;
    callback(Object.assign(new Error('5.7.3 Authentication unsuccessful'), { responseCode: 535 }));
  };
}
