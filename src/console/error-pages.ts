/**
 * What the console answers when a request fails: a page that says what to do, with the stable
 * code; the details of an internal failure go to the daemon log, never to the page.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { errorPage } from './pages/login.js';
import { sendPage } from './routes.js';

export function registerErrorPages(server: FastifyInstance, log: Logger): void {
  server.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err.code?.startsWith('FST_CSRF')) {
      log.warn({ path: request.url, code: 'AM_CSRF' }, 'console request refused: missing or invalid CSRF token');
      return sendPage(reply, 403, errorPage('The request was refused: it did not carry this console\'s security token (CSRF). Nothing was done. Go back, reload the page and try again. [AM_CSRF]'));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err, path: request.url }, 'console request failed');
    const message = err instanceof AppError ? `${err.message} [${err.code}]` : status === 500 ? 'The console failed to answer this request; the daemon log has the details.' : err.message;
    return sendPage(reply, status, errorPage(message));
  });
  server.setNotFoundHandler((_request, reply) => sendPage(reply, 404, errorPage('There is no such page.')));
}
