/**
 * What every console request passes before its page: a live session (or one of the few public
 * paths, else the login page), the CSRF token on every POST, and the signed-in user as the actor
 * the audit trail names for whatever the request changes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../audit/entry.js';
import type { Logger } from '../log/logger.js';
import type { ConsoleUsers } from '../state/console-users.js';
import { loginPage } from './pages/login.js';
import { sendPage } from './routes.js';
import { SESSION_COOKIE, type Session, type Sessions } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session gate: the signed-in user, or null on a public path. */
    consoleSession: { id: string; user: string } | null;
  }
}

const PUBLIC_PATHS = new Set(['/login', '/static/console.js', '/static/console.css']);

export interface SessionGateDeps {
  sessions: Sessions;
  users: ConsoleUsers;
  log: Logger;
}

export function registerSessionGate(server: FastifyInstance, deps: SessionGateDeps): void {
  server.decorateRequest('consoleSession', null);
  server.addHook('onRequest', async (request, reply) => {
    const session = await liveSession(request, deps);
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
}

/**
 * Whom the audit trail names for what a request changes: its signed-in user and their address.
 * Only pages behind the gate ask; a public path that changed something would have no one to name.
 */
export function consoleActor(request: FastifyRequest): Actor {
  const session = request.consoleSession;
  if (session === null) throw new Error(`console: ${request.url.split('?')[0]} acts without a signed-in user`);
  return { name: `console user ${session.user}`, door: 'console', address: request.ip };
}

/** The request's session, if it is live and its account still has the password it logged in with. */
async function liveSession(request: FastifyRequest, deps: SessionGateDeps): Promise<Session | null> {
  const raw = request.cookies[SESSION_COOKIE];
  const unsigned = raw === undefined ? null : request.unsignCookie(raw);
  const session = deps.sessions.touch(unsigned?.valid ? (unsigned.value ?? undefined) : undefined);
  if (session === null) return null;
  if ((await deps.users.passwordVersion(session.user)) === session.passwordVersion) return session;
  deps.sessions.end(session.id);
  deps.log.info({ user: session.user }, 'console session ended: its password was changed or its account removed');
  return null;
}
