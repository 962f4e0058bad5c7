/**
 * The console's protections, each from a maintained fastify plugin: signed HttpOnly, Secure,
 * SameSite=Strict cookies; form bodies; a CSP without inline script and frame-ancestors 'none';
 * a CSRF token bound to the session, read from the form only.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { field } from './routes.js';

export const COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: 'strict', path: '/', signed: true } as const;

/** Registers the plugins on `server`; returns the options every cookie is set with. */
export async function registerSecurity(server: FastifyInstance): Promise<typeof COOKIE_OPTIONS> {
    const cookieSecret = randomBytes(32).toString('base64url');

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
      cookieOpts: COOKIE_OPTIONS,
      getUserInfo: (request) => request.consoleSession?.id ?? 'anonymous',
      // The token comes from the form only: no header a script on another site could set.
      getToken: (request) => field(request.body, '_csrf'),
      csrfOpts: { hmacKey: randomBytes(32).toString('base64url'), userInfo: true },
    });
  return COOKIE_OPTIONS;
}
