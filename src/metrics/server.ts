/**
 * The Prometheus scrape endpoint (metrics.listen): plain HTTP, GET /metrics, nothing else. It
 * shows counts and versions, never a secret, and stays on loopback unless the operator opts in
 * (metrics.allowNonLoopback), as node_exporter behind a local agent or a proxy would.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { formatHostPort, parseHostPort } from '../util/address.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { listenError } from '../util/server-lifecycle.js';

/** A scraper holds its connection open between scrapes; at close it gets this long, then is cut. */
const CLOSE_GRACE_MS = 1_000;

export interface MetricsServer {
  /** `host:port` actually bound (port 0 resolved); null before start. */
  address(): string | null;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createMetricsServer(deps: { listen: string; registry: Registry; log: Logger }): MetricsServer {
  const { listen, registry, log } = deps;
  let server: Server | null = null;
  let bound: string | null = null;
  let closing: Promise<void> | null = null;

  const http = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error({ err }, 'cannot collect the metrics');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('cannot collect the metrics; see the daemon log\n');
      },
    );
  });
  // Scrapes are small and frequent: no reason to let a slow client hold a socket for long.
  http.requestTimeout = 10_000;
  http.headersTimeout = 5_000;

  return {
    address: () => bound,
    async start() {
      if (server !== null || closing !== null) return;
      const parsed = parseHostPort(listen, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_CONFIG_INVALID', `metrics.listen: ${parsed.error}`);
      await new Promise<void>((resolve, reject) => {
        http.once('error', (err) => reject(listenError(err, listen, 'metrics.listen')));
        http.listen(parsed.port, parsed.host, () => resolve());
      });
      http.removeAllListeners('error');
      http.on('error', (err) => log.warn({ err: err.message }, 'metrics endpoint error'));
      server = http;
      const address = http.address();
      bound = formatHostPort({ host: parsed.host, port: typeof address === 'object' && address !== null ? address.port : parsed.port });
      log.info({ listen: bound }, 'metrics listening');
    },
    close() {
      if (closing) return closing;
      const running = server;
      closing = running
        ? new Promise<void>((resolve) => {
            running.close(() => resolve());
            running.closeIdleConnections();
            setTimeout(() => running.closeAllConnections(), CLOSE_GRACE_MS).unref();
          })
        : Promise.resolve();
      return closing;
    },
  };
}
