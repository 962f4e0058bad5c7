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
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import { formatHostPort } from '../util/address.js';
import { parseHostPort } from '../util/address.js';
import type { ControlApi } from '../control/api.js';
import { AppError } from '../errors/registry.js';
import { loadOrCreateIdentity } from '../federation/certificate.js';
import type { Logger } from '../log/logger.js';
import type { EffectiveSettings } from '../config/effective.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { actingAs } from '../audit/actor.js';
import type { Audit } from '../audit/audit.js';
import type { ConfigFile } from './config-file.js';
import { createFlash } from './flash.js';
import { errorPage, loginPage, registerLogin } from './pages/login.js';
import { registerSecurity } from './security.js';
import type { PageContext } from './layout.js';
import { registerFederation } from './pages/federation.js';
import { registerHistory } from './pages/history.js';
import { registerMailServer } from './pages/mail-server.js';
import { registerOutboxAndOverview } from './pages/outbox-overview.js';
import { registerSettingsPages } from './pages/settings-pages.js';
import { sendPage, type RouteDeps } from './routes.js';
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
  effective: EffectiveSettings;
  users: ConsoleUsers;
  /** The config file's one writer (shared with a revert, which must not race a save). */
  configFile: ConfigFile;
  audit: Audit;
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

  const identity = () =>
    loadOrCreateIdentity({
      certFile: deps.settings.certFile,
      keyFile: deps.settings.keyFile,
      stateDir: deps.stateDir,
      use: 'console',
      commonName: hostname(),
      altNames: [{ type: 2, value: hostname() }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }],
    });

  /**
   * A certificate renewed in console.certFile/keyFile is served to the next connection: the live
   * config has read the pair and found that it matches (a bad pair is refused there, whole).
   */
  function followCertificate(): void {
    deps.config.onChange((next, previous) => {
      const pair = (c: Config) => c.files.filter((f) => f.field === 'console.certFile' || f.field === 'console.keyFile').map((f) => f.sha256).join();
      if (pair(next) === pair(previous)) return;
      identity()
        .then(({ certPem, keyPem }) => {
          // The server is HTTPS (fastify's https option); its type is the plain HTTP one.
          (app?.server as unknown as TlsServer | undefined)?.setSecureContext({ cert: certPem, key: keyPem });
          deps.log.info({ certFile: deps.settings.certFile }, 'console certificate renewed: new connections get it');
        })
        .catch((err: unknown) => deps.log.error({ err, certFile: deps.settings.certFile }, 'cannot read the renewed console certificate; the one in use stays'));
    });
  }

  async function build(): Promise<FastifyInstance> {
    const { certPem, keyPem } = await identity();
    const server = Fastify({
      https: { key: keyPem, cert: certPem },
      bodyLimit: BODY_LIMIT_BYTES,
      // Errors are logged by our handler, with the code; fastify's request log would be noise.
      logger: false,
      forceCloseConnections: true,
    });
    const sessions = createSessions();
    const flash = createFlash();
    const loginGuard = createLoginGuard();
    const cookieOptions = await registerSecurity(server);

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

    registerLogin(server, { sessions, loginGuard, users: deps.users, audit: deps.audit, log: deps.log, cookieOptions });

    const routeDeps: RouteDeps = {
      api: deps.api,
      config: deps.config,
      effective: deps.effective,
      configFile: deps.configFile,
      async context(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
        const session = request.consoleSession!;
        const notices = request.method === 'GET' ? flash.take(session.id) : [];
        return { user: session.user, csrf: reply.generateCsrf({ userInfo: session.id }), status: await deps.api.status(), path: request.url.split('?')[0] ?? '/', notices };
      },
      done(request, reply, path, notice) {
        flash.add(request.consoleSession!.id, notice);
        return reply.redirect(path, 303);
      },
    };
    registerOutboxAndOverview(server, routeDeps);
    registerMailServer(server, routeDeps);
    registerSettingsPages(server, routeDeps);
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
      followCertificate();
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
