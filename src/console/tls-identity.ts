/**
 * The console's TLS certificate: console.certFile/keyFile when set, else a self-signed one kept in
 * the state folder; a pair renewed in those files is served to the next connection.
 */
import { hostname } from 'node:os';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import { loadOrCreateIdentity } from '../federation/certificate.js';
import type { Logger } from '../log/logger.js';

export interface IdentityDeps {
  settings: Config['console'];
  stateDir: string;
  config: LiveConfig;
  log: Logger;
}

export function loadConsoleIdentity(deps: Pick<IdentityDeps, 'settings' | 'stateDir'>): Promise<{ certPem: string; keyPem: string }> {
  return loadOrCreateIdentity({
    certFile: deps.settings.certFile,
    keyFile: deps.settings.keyFile,
    stateDir: deps.stateDir,
    use: 'console',
    commonName: hostname(),
    altNames: [{ type: 2, value: hostname() }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }],
  });
}

/**
 * A certificate renewed in console.certFile/keyFile is served to the next connection: the live
 * config has read the pair and found that it matches (a bad pair is refused there, whole).
 */
export function followCertificate(deps: IdentityDeps, server: () => FastifyInstance | null): void {
  deps.config.onChange((next, previous) => {
    const pair = (c: Config) => c.files.filter((f) => f.field === 'console.certFile' || f.field === 'console.keyFile').map((f) => f.sha256).join();
    if (pair(next) === pair(previous)) return;
    loadConsoleIdentity(deps)
      .then(({ certPem, keyPem }) => {
        // The server is HTTPS (fastify's https option); its type is the plain HTTP one.
        (server()?.server as unknown as TlsServer | undefined)?.setSecureContext({ cert: certPem, key: keyPem });
        deps.log.info({ certFile: deps.settings.certFile }, 'console certificate renewed: new connections get it');
      })
      .catch((err: unknown) => deps.log.error({ err, certFile: deps.settings.certFile }, 'cannot read the renewed console certificate; the one in use stays'));
  });
}
