/**
 * Wires one Appliance's daemon together and owns the order of start and shutdown:
 * start: state, outbox, config watcher, federation, delivery, control sockets, submission port;
 * close: the reverse — stop accepting (submission port, control sockets), delivery, federation, watcher, outbox,
 * then flush state. Every rule lives with its concern; this file only builds and orders parts.
 */
import { createRequire } from 'node:module';
import type { Config } from './config/load.js';
import { createLiveConfig, type LiveConfig } from './config/live-config.js';
import { describeMailServer } from './config/settings.js';
import { createControlApi } from './control/api.js';
import { addControlService } from './control/service.js';
import { createSocketServer } from './control/socket-server.js';
import { createFederationPrimary } from './federation/primary.js';
import { createFederationSecondary } from './federation/secondary.js';
import type { Logger } from './log/logger.js';
import { createNotifier } from './notify/notifier.js';
import { createDelivery } from './relay/delivery.js';
import { createIntake } from './relay/intake.js';
import { openOutbox } from './relay/outbox.js';
import { createEffectiveSettings, type EffectiveSettings } from './settings/effective.js';
import { openStateStore, type StateStore } from './state/store.js';
import { createRawIntake } from './submission/raw-intake.js';
import { createSubmissionPort } from './submission/smtp-port.js';

const DAEMON_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface Daemon {
  readonly config: LiveConfig;
  readonly state: StateStore;
  readonly effective: EffectiveSettings;
  close(): Promise<void>;
}

interface Component {
  start(): Promise<void> | void;
  close(): Promise<void>;
}

export async function startDaemon(initial: Config, log: Logger): Promise<Daemon> {
  const startedAt = Date.now();
  const child = (component: string) => log.child({ component });
  const state = await openStateStore(initial.node.stateDir);
  const closers: Array<() => Promise<void>> = [() => state.close()];
  try {
    const outbox = await openOutbox(initial.node.stateDir, child('outbox'));
    closers.push(() => outbox.close());
    const config = createLiveConfig(initial, child('config'));
    const effective = createEffectiveSettings(config, state, child('settings'));
    const primary =
      initial.node.role === 'primary' && initial.federation.listen !== null
        ? createFederationPrimary({ config, state, log: child('federation') })
        : null;
    const secondary = initial.node.role === 'secondary' ? createFederationSecondary({ config, state, effective, log: child('federation') }) : null;
    const delivery = createDelivery({ outbox, effective, config, log: child('relay') });
    const intake = createIntake({ config, effective, outbox, delivery });
    const rawIntake = createRawIntake({ config, effective, intake });
    const notifier = createNotifier({ config, effective, intake });
    // Two doors: submitters (group members) and administrators (the daemon's user and root).
    const submitSocket = createSocketServer(initial.control.socket, initial.control.socketMode);
    const adminSocket = createSocketServer(initial.control.adminSocket, initial.control.adminSocketMode);
    const api = createControlApi({ config, effective, outbox, delivery, intake, rawIntake, notifier, primary, secondary, daemonVersion: DAEMON_VERSION, startedAt });
    addControlService(submitSocket.server, api, 'submit');
    addControlService(adminSocket.server, api, 'admin');
    const submissionPort = createSubmissionPort({ config, rawIntake, log: child('submission') });

    const components: Component[] = [config, ...(primary ? [primary] : []), ...(secondary ? [secondary] : []), delivery, adminSocket, submitSocket, submissionPort];
    for (const component of components) {
      await component.start();
      closers.push(() => component.close());
    }

    effective.onChange((next) => {
      log.info({ component: 'settings', source: next.source, mailServer: describeMailServer(next.mailServer) }, 'effective mail settings changed');
    });
    log.info(
      { component: 'daemon', node: initial.node.name, role: initial.node.role, mode: effective.mode(), socket: submitSocket.path, adminSocket: adminSocket.path, submission: submissionPort.address(), version: DAEMON_VERSION },
      'appliance-mail ready',
    );

    let closing: Promise<void> | null = null;
    return {
      config,
      state,
      effective,
      close() {
        closing ??= closeAll(closers).then(() => log.info({ component: 'daemon' }, 'appliance-mail stopped'));
        return closing;
      },
    };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}

/** Closes in the reverse order of start; one failing closer does not keep the others open. */
async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch(() => undefined);
  }
}
