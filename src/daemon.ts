/**
 * Wires one Appliance's daemon together and owns the order of start and shutdown:
 * start: state, config watcher, services, listeners; close: stop accepting, drain, flush state.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Config } from './config/load.js';
import { createLiveConfig, type LiveConfig } from './config/live-config.js';
import { describeMailServer } from './config/settings.js';
import { addControlService } from './control/service.js';
import { createSocketServer, type SocketServer } from './control/socket-server.js';
import type { StatusReply } from './generated/appliance_mail/control/v1/StatusReply.js';
import type { Logger } from './log/logger.js';
import { openStateStore, type StateStore } from './state/store.js';
import { describeAccess } from './util/accounts.js';

const DAEMON_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface Daemon {
  readonly config: LiveConfig;
  readonly state: StateStore;
  close(): Promise<void>;
}

export async function startDaemon(initial: Config, log: Logger): Promise<Daemon> {
  const startedAt = Date.now();
  const state = await openStateStore(initial.node.stateDir);
  const config = createLiveConfig(initial, log.child({ component: 'config' }));
  const control = createSocketServer(initial.control.socket, initial.control.socketMode);
  const closers: Array<() => Promise<void>> = [];
  try {
    await config.start();
    closers.push(() => config.close());

    addControlService(control.server, {
      status: async () => buildStatus(config, control, startedAt),
    });
    await control.start();
    closers.push(() => control.close());
  } catch (err) {
    await closeAll(closers);
    await state.close();
    throw err;
  }

  log.info(
    { component: 'daemon', node: initial.node.name, role: initial.node.role, socket: initial.control.socket, version: DAEMON_VERSION },
    'appliance-mail ready',
  );

  let closing: Promise<void> | null = null;
  return {
    config,
    state,
    close() {
      closing ??= (async () => {
        await closeAll(closers);
        await state.close();
        log.info({ component: 'daemon' }, 'appliance-mail stopped');
      })();
      return closing;
    },
  };
}

/** Closes in the reverse order of start; one failing closer does not keep the others open. */
async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch(() => undefined);
  }
}

async function buildStatus(config: LiveConfig, control: SocketServer, startedAt: number): Promise<StatusReply> {
  const current = config.current();
  const view = describeMailServer(current.mailServer);
  const error = config.lastError();
  const socket = await stat(control.path).catch(() => null);
  return {
    node_name: current.node.name,
    role: current.node.role,
    mode: current.node.role === 'primary' ? 'primary' : 'standalone',
    mail_server: {
      enabled: view.enabled,
      server: view.server ?? '',
      sender: view.sender ?? '',
      username: view.username ?? '',
      password: view.password,
      tls: view.tls,
      private_ca: view.privateCa,
    },
    settings_source: `config file ${current.file}`,
    config: {
      file: current.file,
      version: current.version,
      applied_at: config.appliedAt().toISOString(),
      error: error?.message ?? '',
      error_code: error?.code ?? '',
      error_at: error?.at.toISOString() ?? '',
    },
    uptime_seconds: (Date.now() - startedAt) / 1000,
    daemon_version: DAEMON_VERSION,
    control_socket: control.path,
    control_access: socket ? describeAccess(socket.uid, socket.gid, socket.mode) : 'unknown',
    warnings: [],
  };
}
