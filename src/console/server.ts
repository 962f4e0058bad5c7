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
 * escape-by-default template. This file starts, builds and closes the server; its parts are
 * tls-identity.ts, security.ts, session-gate.ts, error-pages.ts, pages/login.ts and the pages.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import { formatHostPort, parseHostPort } from '../util/address.js';
import type { ControlApi } from '../control/api.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { EffectiveSettings } from '../config/effective.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import type { Audit } from '../audit/audit.js';
import type { ConfigFile } from './config-file.js';
import { registerErrorPages } from './error-pages.js';
import { createFlash, type Flash } from './flash.js';
import { registerLogin } from './pages/login.js';
import { registerSecurity } from './security.js';
import type { PageContext } from './layout.js';
import { registerFederation } from './pages/federation.js';
import { registerHistory } from './pages/history.js';
import { registerMailServer } from './pages/mail-server.js';
import { registerOutboxAndOverview } from './pages/outbox-overview.js';
import { registerSettingsPages } from './pages/settings-pages.js';
import type { RouteDeps } from './routes.js';
import { createLoginGuard } from './login-guard.js';
import { consoleActor, registerSessionGate } from './session-gate.js';
import type { Actor } from '../audit/entry.js';
import { createSessions } from './sessions.js';
import { followCertificate, loadConsoleIdentity } from './tls-identity.js';
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
  apiFor(actor: Actor): ControlApi;
  config: LiveConfig;
  effective: EffectiveSettings;
  users: ConsoleUsers;
  /** The config file's one writer (shared with a revert, which must not race a save). */
  configFile: ConfigFile;
  audit: Audit;
  log: Logger;
}

export function createConsoleServer(deps: ConsoleDeps): ConsoleServer {
  const listen = deps.settings.listen;
  if (listen === null) throw new Error('console.listen is not set');
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  let closing: Promise<void> | null = null;

  return {
    async start() {
      const parsed = parseHostPort(listen, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_CONFIG_INVALID', `console.listen: ${parsed.error}`);
      app = await buildConsole(deps);
      try {
        await app.listen({ host: parsed.host, port: parsed.port });
      } catch (err) {
        throw new AppError('AM_INTERNAL', `cannot serve the Web Console on ${listen}: ${(err as Error).message}`, { cause: err });
      }
      const address = app.server.address() as AddressInfo;
      url = `https://${formatHostPort({ host: address.address, port: address.port })}`;
      followCertificate(deps, () => app);
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

/** The fastify instance with its protections, its gate and every page: a parts list. */
async function buildConsole(deps: ConsoleDeps): Promise<FastifyInstance> {
  const { certPem, keyPem } = await loadConsoleIdentity(deps);
  const server = Fastify({
    https: { key: keyPem, cert: certPem },
    bodyLimit: BODY_LIMIT_BYTES,
    // Errors are logged by our handler, with the code; fastify's request log would be noise.
    logger: false,
    forceCloseConnections: true,
  });
  const sessions = createSessions();
  const cookieOptions = await registerSecurity(server);
  registerSessionGate(server, { sessions, users: deps.users, log: deps.log });
  registerErrorPages(server, deps.log);

  server.get('/static/console.js', (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(CONSOLE_JS));
  server.get('/static/console.css', (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CONSOLE_CSS));

  registerLogin(server, { sessions, loginGuard: createLoginGuard(), users: deps.users, audit: deps.audit, log: deps.log, cookieOptions });

  const routeDeps = pageDeps(deps, createFlash());
  registerOutboxAndOverview(server, routeDeps);
  registerMailServer(server, routeDeps);
  registerSettingsPages(server, routeDeps);
  registerFederation(server, routeDeps);
  registerHistory(server, routeDeps);
  return server;
}

/** What every page gets: the domain API, the config file, its context, and the POST-redirect-GET ending. */
function pageDeps(deps: ConsoleDeps, flash: Flash): RouteDeps {
  const api = (request: FastifyRequest) => deps.apiFor(consoleActor(request));
  return {
    api,
    config: deps.config,
    effective: deps.effective,
    configFile: deps.configFile,
    async context(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
      const session = request.consoleSession!;
      const notices = request.method === 'GET' ? flash.take(session.id) : [];
      return { user: session.user, csrf: reply.generateCsrf({ userInfo: session.id }), status: await api(request).status(), path: request.url.split('?')[0] ?? '/', notices };
    },
    done(request, reply, path, notice) {
      flash.add(request.consoleSession!.id, notice);
      return reply.redirect(path, 303);
    },
  };
}
