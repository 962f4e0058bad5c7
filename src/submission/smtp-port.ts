/**
 * The local SMTP submission port (submission.listen): for everything on the Appliance that can
 * only send mail (cron, smartd, mdadm, Grafana, scripts). Like Postfix's local pickup it trusts
 * who can reach it, so it has no AUTH and listens on loopback unless the operator says otherwise
 * (the config schema refuses anything else). It relays nowhere by itself: a message goes through
 * the relay's intake, and 250 is sent only once the intake resolved, that is, once the message
 * is on disk.
 */
import { SMTPServer } from 'smtp-server';
import { formatHostPort, parseHostPort } from '../util/address.js';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { listenError } from '../util/server-lifecycle.js';
import { acceptBareLocalRecipients } from './bare-recipient.js';
import type { RawIntake } from './raw-intake.js';
import { createSessionHooks } from './smtp-session.js';

/** Enough for every job on one Appliance at once; more is a runaway script. */
const MAX_CLIENTS = 50;
/** A graceful close waits this long for sessions in flight, then tells them 421 and closes. */
const CLOSE_GRACE_MS = 5_000;

export interface SubmissionPort {
  /** `host:port` actually bound (port 0 resolved); null before start or when off. */
  address(): string | null;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createSubmissionPort(deps: { config: LiveConfig; rawIntake: RawIntake; log: Logger }): SubmissionPort {
  const { config, log } = deps;
  acceptBareLocalRecipients();
  const listen = config.current().submission.listen;
  let bound: string | null = null;
  let state: 'new' | 'started' | 'closed' = 'new';
  let closing: Promise<void> | null = null;
  let server: SMTPServer | null = null;
  const hooks = createSessionHooks(deps);

  const build = () => new SMTPServer({
    name: config.current().node.name,
    banner: 'appliance-mail local submission',
    size: config.current().relay.maxMessageBytes,
    // No AUTH (local trust, as Postfix's pickup) and no STARTTLS (loopback traffic stays on this machine).
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    maxClients: MAX_CLIENTS,
    closeTimeout: CLOSE_GRACE_MS,
    logger: false,
    ...hooks,
  });

  return {
    address: () => bound,
    async start() {
      if (state !== 'new' || listen === null) return;
      const parsed = parseHostPort(listen, null, { allowPortZero: true });
      if ('error' in parsed) throw new AppError('AM_CONFIG_INVALID', `submission.listen: ${parsed.error}`);
      const smtp = build();
      server = smtp;
      await new Promise<void>((resolve, reject) => {
        // smtp-server re-emits its listener's and its connections' errors on itself.
        smtp.once('error', (err) =>
          reject(listenError(err, listen, 'submission.listen')),
        );
        smtp.listen(parsed.port, parsed.host, () => resolve());
      });
      smtp.removeAllListeners('error');
      // A client that resets its connection is its own business; it must not end the daemon.
      smtp.on('error', (err) => log.debug({ err: err.message }, 'submission port connection error'));
      // The advertised SIZE follows relay.maxMessageBytes as it is reloaded (smtp-server reads it per session).
      config.onChange((next) => {
        smtp.options.size = next.relay.maxMessageBytes;
      });
      const address = smtp.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : parsed.port;
      bound = formatHostPort({ host: parsed.host, port });
      state = 'started';
      log.info({ listen: bound }, 'submission port listening');
    },
    close() {
      const smtp = server;
      if (state !== 'started' || smtp === null) {
        state = 'closed';
        return closing ?? Promise.resolve();
      }
      state = 'closed';
      // Stops accepting at once; sessions still open after CLOSE_GRACE_MS get 421 and are closed.
      closing ??= new Promise<void>((resolve) => smtp.close(() => resolve()));
      return closing;
    },
  };
}
