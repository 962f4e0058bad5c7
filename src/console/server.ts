/**
 * The Web Console: HTTPS pages for administrators, served by this daemon. Another door onto the
 * control API, like the administrators' socket: it calls the same domain API in-process, and a
 * save writes the config file, which the live reload applies like any edit.
 *
 * Security, each from a maintained fastify plugin: sessions in signed HttpOnly, Secure,
 * SameSite=Strict cookies (@fastify/cookie) with an idle timeout; a CSRF token bound to the
 * session on every POST (@fastify/csrf-protection); failed logins limited per address and per
 * user name, and password checks capped in number at once (login-guard.ts); a CSP without
 * inline script and frame-ancestors 'none' (@fastify/helmet). Pages are rendered by an
 * escape-by-default template.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import { formatHostPort } from '../util/address.js';
import { parseHostPort } from '../util/address.js';
import type { ControlApi } from '../control/api.js';
import { AppError } from '../errors/registry.js';
import { loadOrCreateIdentity } from '../federation/certificate.js';
import type { Logger } from '../log/logger.js';
import { html } from '../html/template.js';
import type { EffectiveSettings } from '../config/effective.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { actingAs } from '../audit/actor.js';
import type { Audit } from '../audit/audit.js';
import type { ConfigFile } from './config-file.js';
import { banner, csrfField, document, type PageContext } from './layout.js';
import { registerFederation } from './pages/federation.js';
import { registerHistory } from './pages/history.js';
import { registerMailServer } from './pages/mail-server.js';
import { registerOneFieldPages } from './pages/one-field.js';
import { registerOutboxAndOverview } from './pages/outbox-overview.js';
import { field, sendPage, type RouteDeps } from './routes.js';
import { createLoginGuard } from './login-guard.js';
import { createSessions, SESSION_COOKIE, type Session } from './sessions.js';
import type { ConsoleUsers } from '../state/console-users.js';

/** Forms are a few hundred bytes; anything larger is not from these pages. */
const BODY_LIMIT_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;

export interface ConsoleServer {
  start(): Promise<void>;
  close(): Promise<void>;
  /** `https://host:port` once listening, else null. */
  url(): string | null;
}

export interface ConsoleDeps {
  settings: Config['console'];
  stateDir: string;
  api: ControlApi;
  config: LiveConfig;
  /** The config file's one writer (shared with a revert, which must not race a save). */
  configFile: ConfigFile;
  audit: Audit;
  effective: EffectiveSettings;
  users: ConsoleUsers;
  log: Logger;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: { id: string; user: string } | null;
  }
}

const PUBLIC_PATHS = new Set(['/login', '/static/console.js', '/static/console.css']);

export function createConsoleServer(deps: ConsoleDeps): ConsoleServer {
  const listen = deps.settings.listen;
  if (listen === null) throw new Error('console.listen is not set');
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  let closing: Promise<void> | null = null;

  async function build(): Promise<FastifyInstance> {
    const identity = await loadOrCreateIdentity({
      certFile: deps.settings.certFile,
      keyFile: deps.settings.keyFile,
      stateDir: deps.stateDir,
      use: 'console',
      commonName: hostname(),
      altNames: [{ type: 2, value: hostname() }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }],
    });
    const server = Fastify({
      https: { key: identity.keyPem, cert: identity.certPem },
      bodyLimit: BODY_LIMIT_BYTES,
      // Errors are logged by our handler, with the code; fastify's request log would be noise.
      logger: false,
      forceCloseConnections: true,
    });
    const sessions = createSessions();
    const loginGuard = createLoginGuard();
    const cookieSecret = randomBytes(32).toString('base64url');
    const cookieOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/', signed: true } as const;

    await server.register(fastifyCookie, { secret: cookieSecret });
    await server.register(fastifyFormbody);
    await server.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
    });
    await server.register(fastifyCsrf, {
      cookieKey: 'am_csrf',
      cookieOpts: cookieOptions,
      getUserInfo: (request) => request.consoleSession?.id ?? 'anonymous',
      // The token comes from the form only: no header a script on another site could set.
      getToken: (request) => field(request.body, '_csrf'),
      csrfOpts: { hmacKey: randomBytes(32).toString('base64url'), userInfo: true },
    });

    /** The request's session, if it is live and its account still has the password it logged in with. */
    async function liveSession(request: FastifyRequest): Promise<Session | null> {
      const raw = request.cookies[SESSION_COOKIE];
      const unsigned = raw === undefined ? null : request.unsignCookie(raw);
      const session = sessions.touch(unsigned?.valid ? (unsigned.value ?? undefined) : undefined);
      if (session === null) return null;
      if ((await deps.users.passwordVersion(session.user)) === session.passwordVersion) return session;
      sessions.end(session.id);
      deps.log.info({ user: session.user }, 'console session ended: its password was changed or its account removed');
      return null;
    }

    server.decorateRequest('consoleSession', null);
    server.addHook('onRequest', async (request, reply) => {
      const session = await liveSession(request);
      request.consoleSession = session ? { id: session.id, user: session.user } : null;
      reply.header('cache-control', 'no-store');
      const path = request.url.split('?')[0] ?? '';
      if (session === null && !PUBLIC_PATHS.has(path)) {
        if (request.method === 'GET') return reply.redirect('/login', 303);
        return sendPage(reply, 401, loginPage('', reply.generateCsrf({ userInfo: 'anonymous' }), 'Your session has ended (logged out, idle for 30 minutes, 12 hours old, or its password was changed). Log in again.'));
      }
      return undefined;
    });
    // Every state-changing request carries the token of a page this console rendered.
    server.addHook('preHandler', (request, reply, done) => {
      if (request.method === 'POST') server.csrfProtection(request, reply, done);
      else done();
    });
    // What a signed-in user's request changes, the audit trail attributes to them and their address.
    server.addHook('preHandler', (request, _reply, done) => {
      const session = request.consoleSession;
      if (session === null) done();
      else actingAs({ name: `console user ${session.user}`, door: 'console', address: request.ip }, done);
    });

    server.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
      if (err.code?.startsWith('FST_CSRF')) {
        deps.log.warn({ path: request.url, code: 'AM_CSRF' }, 'console request refused: missing or invalid CSRF token');
        return sendPage(reply, 403, errorPage('The request was refused: it did not carry this console\'s security token (CSRF). Nothing was done. Go back, reload the page and try again. [AM_CSRF]'));
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) deps.log.error({ err, path: request.url }, 'console request failed');
      const message = err instanceof AppError ? `${err.message} [${err.code}]` : status === 500 ? 'The console failed to answer this request; the daemon log has the details.' : err.message;
      return sendPage(reply, status, errorPage(message));
    });
    server.setNotFoundHandler((_request, reply) => sendPage(reply, 404, errorPage('There is no such page.')));

    server.get('/static/console.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(CONSOLE_JS));
    server.get('/static/console.css', (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CONSOLE_CSS));

    server.get('/login', (request, reply) => {
      if (request.consoleSession) return reply.redirect('/', 303);
      return sendPage(reply, 200, loginPage('', reply.generateCsrf({ userInfo: 'anonymous' })));
    });

    server.post('/login', async (request, reply) => {
      const username = field(request.body, 'username');
      const checked = await loginGuard.check(request.ip, username, () => deps.users.verify(username, field(request.body, 'password')));
      if (checked.outcome === 'busy') {
        deps.log.warn({ code: 'AM_LOGIN_BUSY', ip: request.ip, user: username }, 'console login refused: too many password checks at once');
        return sendPage(
          reply.header('retry-after', '1'),
          503,
          loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), 'Too many logins at this moment; yours was not checked. Try again in a moment. [AM_LOGIN_BUSY]'),
        );
      }
      if (checked.outcome === 'rate-limited') {
        deps.log.warn({ code: 'AM_LOGIN_RATE_LIMITED', ip: request.ip, user: username }, 'console login refused: too many failed attempts');
        deps.audit.consoleLogin(request.ip, null, 'failure');
        const wait = checked.retryAfterSeconds;
        return sendPage(
          reply.header('retry-after', String(wait)),
          429,
          loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), `Too many failed logins from this address or for this user. Try again in ${Math.ceil(wait / 60)} minute(s). [AM_LOGIN_RATE_LIMITED]`),
        );
      }
      // checksInFlight: how many password checks ran at once, this one included (at most the cap).
      if (checked.value === null) {
        deps.log.warn({ code: 'AM_LOGIN_FAILED', ip: request.ip, user: username, checksInFlight: checked.checksInFlight }, 'console login failed');
        deps.audit.consoleLogin(request.ip, (await deps.users.passwordVersion(username)) === null ? null : username, 'failure');
        return sendPage(reply, 401, loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), 'Wrong username or password. [AM_LOGIN_FAILED]'));
      }
      const session = sessions.create(username, checked.value);
      deps.log.info({ ip: request.ip, user: username, checksInFlight: checked.checksInFlight }, 'console login');
      deps.audit.consoleLogin(request.ip, username, 'success');
      // A browser-session cookie: the server's idle timeout and lifetime decide when it ends, so
      // an active administrator is not logged out by a Max-Age set at login.
      reply.setCookie(SESSION_COOKIE, session.id, cookieOptions);
      return reply.redirect('/', 303);
    });

    server.post('/logout', (request, reply) => {
      sessions.end(request.consoleSession?.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/login', 303);
    });

    const routeDeps: RouteDeps = {
      api: deps.api,
      config: deps.config,
      effective: deps.effective,
      configFile: deps.configFile,
      async context(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
        const session = request.consoleSession!;
        return { user: session.user, csrf: reply.generateCsrf({ userInfo: session.id }), status: await deps.api.status(), path: request.url.split('?')[0] ?? '/' };
      },
    };
    registerOutboxAndOverview(server, routeDeps);
    registerMailServer(server, routeDeps);
    registerOneFieldPages(server, routeDeps);
    registerFederation(server, routeDeps);
    registerHistory(server, routeDeps);
    return server;
  }

  return {
    async start() {
      const parsed = parseHostPort(listen, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_CONFIG_INVALID', `console.listen: ${parsed.error}`);
      app = await build();
      try {
        await app.listen({ host: parsed.host, port: parsed.port });
      } catch (err) {
        throw new AppError('AM_INTERNAL', `cannot serve the Web Console on ${listen}: ${(err as Error).message}`, { cause: err });
      }
      const address = app.server.address() as AddressInfo;
      url = `https://${formatHostPort({ host: address.address, port: address.port })}`;
      deps.log.info({ url, users: await deps.users.count().catch(() => 0) }, 'web console listening');
    },
    close() {
      closing ??= (async () => {
        if (!app) return;
        const timer = setTimeout(() => app?.server.closeAllConnections?.(), CLOSE_GRACE_MS);
        timer.unref();
        await app.close();
        clearTimeout(timer);
        url = null;
      })();
      return closing;
    },
    url: () => url,
  };
}

function loginPage(username: string, csrf: string, error?: string): string {
  return document(
    'Log in · appliance-mail',
    html`<main class="login"><h1>appliance-mail Web Console</h1>${error ? banner('error', error) : html``}
<form method="post" action="/login">${csrfField(csrf)}
<div class="field"><label for="f-username">Username</label><input id="f-username" name="username" type="text" value="${username}" autocomplete="username" required></div>
<div class="field"><label for="f-password">Password</label><input id="f-password" name="password" type="password" autocomplete="current-password" required></div>
<button type="submit" class="primary">Log in</button>
</form>
<p class="muted">Accounts are set on the Appliance: <code>appliance-mail console passwd NAME</code>.</p></main>`,
  );
}

function errorPage(message: string): string {
  return document('appliance-mail', html`<main class="login">${banner('error', message)}<p><a href="/">Back to the console</a></p></main>`);
}
