/**
 * Wires one Appliance's daemon together and owns the order of start and shutdown:
 * start: the instance lock, state, outbox, config watcher, federation, delivery, control sockets,
 * submission port, sendmail's drop folder, metrics endpoint, console;
 * close: the reverse — stop accepting (console, metrics, submission port, control sockets), delivery,
 * federation, watcher, outbox, flush state, then free the lock. Every rule lives with its
 * concern; this file only builds and orders parts.
 */
import type { Config } from './config/load.js';
import { createLiveConfig, type LiveConfig } from './config/live-config.js';
import { describeMailServer } from './settings/view.js';
import { openAudit } from './audit/audit.js';
import { createReverter } from './audit/revert.js';
import { createConfigFile } from './console/config-file.js';
import { openConsoleUsers } from './state/console-users.js';
import { createControlApi, type ControlParts } from './control/api.js';
import type { Actor } from './audit/entry.js';
import { controlRequestLimitBytes, submissionGate, submissionSlots } from './control/admission.js';
import { addControlService } from './control/service.js';
import { createSocketServer, createStartGate } from './control/socket-server.js';
import type { Logger } from './log/logger.js';
import { createNotifier } from './notify/notifier.js';
import { createOAuth2Tokens } from './oauth2/token-source.js';
import { createDelivery } from './relay/delivery.js';
import { createIntake } from './relay/intake.js';
import { openOutbox } from './relay/outbox.js';
import { verifySettings } from './relay/transport-options.js';
import { createOutboxAdmin } from './relay/outbox-admin.js';
import { createEffectiveSettings, type EffectiveSettings } from './config/effective.js';
import type { MailServerSettings } from './settings/schema.js';
import { acquireInstanceLock } from './state/instance-lock.js';
import { openStateStore, type StateStore } from './state/store.js';
import { PACKAGE_VERSION } from './util/version.js';
import { createRawIntake } from './submission/raw-intake.js';
import { createDropPickup } from './submission/drop-pickup.js';

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
  // First, before anything is read or opened: a second daemon on this stateDir stops here.
  const lock = await acquireInstanceLock(initial.node.stateDir);
  const closers: Array<() => Promise<void>> = [() => lock.release()];
  try {
    const state = await openStateStore(initial.node.stateDir);
    closers.push(() => state.close());
    const config = createLiveConfig(initial, child('config'));
    // Who changed what: every door records here; the config file's one writer announces its bytes.
    // It closes after the config watcher: no change goes unrecorded.
    const audit = await openAudit({ config, log: child('audit') });
    closers.push(() => audit.close());
    // The quota is read at each submission: a config edit applies to the next one.
    const outbox = await openOutbox(initial.node.stateDir, child('outbox'), { limits: () => config.current().relay, messageIdDomain: () => config.current().heloName });
    closers.push(() => outbox.close());
    // One holder of OAuth2 tokens for delivery, verification and tests: a refresh token is never spent twice.
    const tokens = createOAuth2Tokens({ state, log: child('oauth2'), onRefreshRotated: (endpoint) => void audit.record({ kind: 'oauth2', summary: `OAuth2 refresh token rotated by ${endpoint} and stored` }) });
    const verify = (settings: MailServerSettings) => verifySettings(settings, tokens.forSettings(settings));
    // The parts a config may leave off are loaded only when on: the console's HTTP server, the
    // federation, the metrics and the submission port each bring packages that a daemon without
    // them would load for nothing at every start (docs/explanation/performance.md).
    const primary =
      initial.node.role === 'primary' && initial.federation.listen !== null
        ? (await import('./federation/primary.js')).createFederationPrimary({ config, state, verifySettings: verify, log: child('federation') })
        : null;
    // Its secondaries' joins and refusals (NACKs) go to the trail; each version published is noted for the Federation page's diff.
    primary?.onEvent(audit.federationEvent);
    const secondary = initial.node.role === 'secondary' ? (await import('./federation/secondary.js')).createFederationSecondary({ config, state, verifySettings: verify, log: child('federation') }) : null;
    const effective = createEffectiveSettings(config, secondary, child('settings'));
    audit.followEffective(effective);
    const configFile = createConfigFile(config, { beforeWrite: (text, actor) => audit.announceWrite(text, actor) });
    const reverter = createReverter({ audit, config, effective, writer: configFile });
    const delivery = createDelivery({ outbox, effective, config, tokens, log: child('relay') });
    const intake = createIntake({ config, effective, outbox, delivery });
    const outboxAdmin = createOutboxAdmin({ outbox, delivery, sender: () => effective.current().mailServer.sender ?? '' });
    const rawIntake = createRawIntake({ config, effective, intake });
    const notifier = createNotifier({ config, effective, intake });
    const dropPickup = createDropPickup({ config, rawIntake, log: child('submission') });
    // Two doors: submitters (group members) and administrators (the daemon's user and root).
    // Requests bounded by the message limit in force at start (a later raise takes a restart);
    // one gate bounds the submissions read at once through both sockets together.
    const maxRequestBytes = controlRequestLimitBytes(initial.relay.maxMessageBytes);
    // Calls wait until every listener is bound (the gate opens after the last one started).
    const startGate = createStartGate();
    const limits = { maxRequestBytes, interceptors: [startGate.interceptor, submissionGate(submissionSlots(maxRequestBytes))] };
    const submitSocket = createSocketServer(initial.control.socket, initial.control.socketMode, limits);
    const adminSocket = createSocketServer(initial.control.adminSocket, initial.control.adminSocketMode, limits);
    const consoleUsers = openConsoleUsers(initial.node.stateDir);
    let consoleUrl: () => string | null = () => null;
    const parts: ControlParts = { config, effective, outbox, delivery, outboxAdmin, intake, rawIntake, notifier, primary, secondary, consoleUsers, tokens, audit, reverter, daemonVersion: PACKAGE_VERSION, startedAt, consoleUrl: () => consoleUrl(), dropWarnings: () => dropPickup.warnings() };
    const apiFor = (actor: Actor) => createControlApi(parts, actor);
    addControlService(submitSocket.server, apiFor, 'submit');
    addControlService(adminSocket.server, apiFor, 'admin');
    // A third door for administrators: HTTPS pages onto the same API.
    const webConsole =
      initial.console.listen === null
        ? null
        : (await import('./console/server.js')).createConsoleServer({ settings: initial.console, stateDir: initial.node.stateDir, apiFor, config, configFile, audit, effective, users: consoleUsers, log: child('console') });
    if (webConsole) consoleUrl = () => webConsole.url();
    const submissionPort = initial.submission.listen === null ? null : (await import('./submission/smtp-port.js')).createSubmissionPort({ config, rawIntake, log: child('submission') });
    // Off unless metrics.listen is set: then the registry subscribes to the parts before they start.
    const metrics =
      initial.metrics.listen === null
        ? null
        : (await import('./metrics/server.js')).createMetricsServer({
            listen: initial.metrics.listen,
            registry: (await import('./metrics/registry.js')).createMetricsRegistry({ config, outbox, delivery, primary, secondary, audit, daemonVersion: PACKAGE_VERSION }),
            log: child('metrics'),
          });

    // Started once every listener (the metrics) is subscribed, and before the config watcher.
    await audit.start();
    const components: Component[] = [config, ...(primary ? [primary] : []), ...(secondary ? [secondary] : []), delivery, adminSocket, submitSocket, ...(submissionPort ? [submissionPort] : []), dropPickup, ...(metrics ? [metrics] : []), ...(webConsole ? [webConsole] : [])];
    for (const component of components) {
      await component.start();
      closers.push(() => component.close());
    }
    startGate.open();

    effective.onChange((next) => {
      log.info({ component: 'settings', source: next.source, mailServer: describeMailServer(next.mailServer) }, 'effective mail settings changed');
    });
    log.info(
      { component: 'daemon', node: initial.node.name, role: initial.node.role, mode: effective.mode(), socket: submitSocket.path, adminSocket: adminSocket.path, submission: submissionPort?.address() ?? null, metrics: metrics?.address() ?? null, console: webConsole?.url() ?? null, version: PACKAGE_VERSION },
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
