/**
 * Wires one Appliance's daemon together and owns the order of start and shutdown:
 * start: state, config watcher, effective settings, federation, control socket;
 * close: stop accepting (control socket), federation, watcher, then flush state.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Config } from './config/load.js';
import { createLiveConfig, type LiveConfig } from './config/live-config.js';
import { describeMailServer } from './config/settings.js';
import type { ControlApi } from './control/service.js';
import { controlRequestLimitBytes, submissionGate, submissionSlots } from './control/admission.js';
import { addControlService } from './control/service.js';
import { createSocketServer, type SocketServer } from './control/socket-server.js';
import { AppError } from './errors/registry.js';
import { createFederationPrimary, type FederationPrimary } from './federation/primary.js';
import { createFederationSecondary, type FederationSecondary } from './federation/secondary.js';
import type { StatusReply } from './generated/appliance_mail/control/v1/StatusReply.js';
import type { VersionReport } from './generated/appliance_mail/control/v1/VersionReport.js';
import type { Logger } from './log/logger.js';
import { createEffectiveSettings, type EffectiveSettings } from './settings/effective.js';
import type { VersionReport as StoredReport } from './state/schema.js';
import { openStateStore, type StateStore } from './state/store.js';
import { createDelivery, type Delivery } from './relay/delivery.js';
import { validateSubmission, type Submission } from './relay/intake.js';
import { renderNotification } from './notify/appliance-events.js';
import { parseDigest, renderDigest } from './notify/digest.js';
import { openOutbox, type Outbox } from './relay/outbox.js';
import { sendTestEmail } from './relay/test-email.js';
import { splitRecipients } from './config/address.js';
import { describeAccess } from './util/accounts.js';

const DAEMON_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface Daemon {
  readonly config: LiveConfig;
  readonly state: StateStore;
  readonly effective: EffectiveSettings;
  close(): Promise<void>;
}

interface Parts {
  config: LiveConfig;
  outbox: Outbox;
  delivery: Delivery;
  effective: EffectiveSettings;
  control: SocketServer;
  primary: FederationPrimary | null;
  secondary: FederationSecondary | null;
  startedAt: number;
}

export async function startDaemon(initial: Config, log: Logger): Promise<Daemon> {
  const startedAt = Date.now();
  const state = await openStateStore(initial.node.stateDir);
  const outbox = await openOutbox(initial.node.stateDir, log.child({ component: 'outbox' })).catch(async (err: unknown) => {
    await state.close();
    throw err;
  });
  const config = createLiveConfig(initial, log.child({ component: 'config' }));
  const effective = createEffectiveSettings(config, state, log.child({ component: 'settings' }));
  // Bounded by the message limit in force at start: a later raise takes a restart (README).
  const maxRequestBytes = controlRequestLimitBytes(initial.relay.maxMessageBytes);
  const control = createSocketServer(initial.control.socket, initial.control.socketMode, {
    maxRequestBytes,
    interceptors: [submissionGate(submissionSlots(maxRequestBytes))],
  });
  const federationLog = log.child({ component: 'federation' });
  const primary = initial.node.role === 'primary' && initial.federation.listen !== null
    ? createFederationPrimary({ config, state, log: federationLog })
    : null;
  const secondary = initial.node.role === 'secondary' ? createFederationSecondary({ config, state, effective, log: federationLog }) : null;
  const delivery = createDelivery({ outbox, effective, config, log: log.child({ component: 'relay' }) });
  const parts: Parts = { config, outbox, delivery, effective, control, primary, secondary, startedAt };

  const closers: Array<() => Promise<void>> = [() => outbox.close()];
  try {
    await config.start();
    closers.push(() => config.close());
    if (primary) {
      await primary.start();
      closers.push(() => primary.close());
    }
    if (secondary) {
      await secondary.start();
      closers.push(() => secondary.close());
    }
    delivery.start();
    closers.push(() => delivery.close());
    addControlService(control.server, controlApi(parts));
    await control.start();
    closers.push(() => control.close());
  } catch (err) {
    await closeAll(closers);
    await state.close();
    throw err;
  }

  effective.onChange((next) => {
    log.info({ component: 'settings', source: next.source, mailServer: describeMailServer(next.mailServer) }, 'effective mail settings changed');
  });
  log.info(
    { component: 'daemon', node: initial.node.name, role: initial.node.role, mode: effective.mode(), socket: initial.control.socket, version: DAEMON_VERSION },
    'appliance-mail ready',
  );

  let closing: Promise<void> | null = null;
  return {
    config,
    state,
    effective,
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

function controlApi(parts: Parts): ControlApi {
  const needPrimary = (): FederationPrimary => {
    if (parts.primary) return parts.primary;
    throw new AppError('AM_NOT_PRIMARY', 'this node does not serve secondaries: run this on the primary (node.role "primary" with federation.listen set)');
  };
  const needSecondary = (): FederationSecondary => {
    if (parts.secondary) return parts.secondary;
    throw new AppError('AM_NOT_SECONDARY', 'this node is a primary (node.role); only a secondary joins a primary or changes mode');
  };
  return {
    status: () => buildStatus(parts),
    async createToken(ttlSeconds) {
      const reply = await needPrimary().createToken(ttlSeconds);
      return { token: reply.token, expires_at: reply.expiresAt, primary_cert_sha256: reply.certSha256 };
    },
    async listNodes() {
      const { settingsVersion, nodes } = needPrimary().listNodes();
      return {
        settings_version: String(settingsVersion),
        nodes: nodes.map((n) => ({
          name: n.name,
          mode: n.mode,
          connected: n.connected,
          last_seen: n.lastSeen ?? '',
          joined_at: n.joinedAt,
          received: report(n.received),
          applied: report(n.applied),
          verified: report(n.verified),
        })),
      };
    },
    removeNode: (name) => needPrimary().removeNode(name),
    join: (request) => needSecondary().join(request.primary, request.token, request.centralize),
    async setMode(mode) {
      if (mode !== 'centralized' && mode !== 'local') throw new AppError('AM_INVALID_ARGUMENT', `mode must be centralized or local, not '${mode}'`);
      await needSecondary().setMode(mode);
      return mode;
    },
    leave: () => needSecondary().leave(),

    submit: (request) =>
      queue(parts, { to: request.to, subject: request.subject, text: request.text, html: request.html, kind: request.kind, idempotencyKey: request.idempotency_key }),
    async notify(request) {
      const recipients = parts.effective.current().recipients;
      if (recipients.length === 0) {
        throw new AppError('AM_INVALID_ARGUMENT', `notifications.recipients is empty (settings from ${parts.effective.current().source}); nobody to notify`);
      }
      const mail = renderNotification({ event: request.event, node: parts.config.current().node.name, version: request.version, detail: request.detail, at: new Date() });
      return queue(parts, { ...mail, to: recipients, kind: 'appliance', idempotencyKey: request.idempotency_key });
    },
    async submitDigest(request) {
      const digest = parseDigest({
        dashboard: request.dashboard,
        period: request.period,
        subscribers: request.subscribers,
        items: request.items.map((item) => ({ ...item, status: item.status === '' ? undefined : item.status })),
      });
      const mail = renderDigest(digest, { portalAddress: parts.config.current().portal.address, node: parts.config.current().node.name });
      return queue(parts, { ...mail, to: digest.subscribers, kind: 'digest', idempotencyKey: request.idempotency_key });
    },
    async listOutbox() {
      return parts.outbox
        .list()
        .sort((a, b) => a.message.createdAt - b.message.createdAt)
        .map((e) => ({
          id: e.message.id,
          kind: e.message.kind,
          to: e.to,
          subject: e.message.subject,
          state: e.state,
          attempts: e.attempts,
          last_error: e.lastError ?? '',
          created_at: new Date(e.message.createdAt).toISOString(),
          next_attempt_at: e.state === 'deferred' ? new Date(e.nextAt).toISOString() : '',
        }));
    },
    async retryOutbox(ids, allDead) {
      if (!allDead && ids.length === 0) throw new AppError('AM_INVALID_ARGUMENT', 'give message ids or --all-dead');
      const count = await parts.outbox.requeue(allDead ? 'all-dead' : ids);
      parts.delivery.wake();
      return count;
    },
    dropOutbox: (id) => parts.outbox.drop(id),
    async testEmail(to, onStep) {
      const current = parts.effective.current();
      const recipients = to.length > 0 ? splitRecipients(to) : { valid: [...current.recipients], invalid: [] };
      if (recipients.invalid.length > 0) throw new AppError('AM_INVALID_ARGUMENT', `--to: '${recipients.invalid[0]}' is not a valid email address`);
      await sendTestEmail(
        { settings: current.mailServer, to: recipients.valid, nodeName: parts.config.current().node.name, source: current.source },
        (step) => onStep(step),
      );
    },
  };
}

/** The one door into the outbox: validate, refuse when mail is off, store durably, wake delivery. */
async function queue(parts: Parts, submission: Submission): Promise<{ id: string; duplicate: boolean }> {
  const message = validateSubmission(submission, parts.config.current().relay.maxMessageBytes);
  if (!parts.effective.current().mailServer.enabled) {
    throw new AppError('AM_MAIL_DISABLED', `no mail is accepted: the mail server is disabled (settings from ${parts.effective.current().source})`);
  }
  const { id, duplicate } = await parts.outbox.enqueue(message);
  if (!duplicate) parts.delivery.wake();
  return { id, duplicate };
}

function report(value: StoredReport | null): VersionReport | null {
  return value === null ? null : { version: String(value.version), at: value.at, error: value.error ?? '' };
}

async function buildStatus(parts: Parts): Promise<StatusReply> {
  const { config, effective, control, primary, secondary } = parts;
  const current = config.current();
  const settings = effective.current();
  const view = describeMailServer(settings.mailServer);
  const error = config.lastError();
  const socket = await stat(control.path).catch(() => null);
  const warnings: string[] = [];
  const notice = effective.readOnlyNotice();
  if (notice) warnings.push(notice);
  const replay = parts.outbox.replay;
  if (replay.damaged.length > 0 || replay.tornTailBytes > 0) {
    const skipped = replay.damaged.reduce((n, d) => n + d.bytes, 0);
    warnings.push(
      `the outbox journal was damaged at start: ${replay.records} intact records kept, ${skipped} damaged bytes skipped in ${replay.damaged.length} place(s), torn tail of ${replay.tornTailBytes} bytes cut (see the log for offsets)`,
    );
  }
  if (current.portal.address === null) warnings.push('portal.address is not set: dashboard digests are sent without links to the Portal');
  if (settings.mailServer.enabled && settings.recipients.length === 0) warnings.push('notifications.recipients is empty: Appliance notifications and test emails have nobody to go to');
  const p = primary?.status();
  const counts = parts.outbox.counts();
  const deliveryError = parts.delivery.lastError();
  const s = secondary?.status();
  return {
    node_name: current.node.name,
    role: current.node.role,
    mode: effective.mode(),
    mail_server: {
      enabled: view.enabled,
      server: view.server ?? '',
      sender: view.sender ?? '',
      username: view.username ?? '',
      password: view.password,
      tls: view.tls,
      private_ca: view.privateCa,
    },
    settings_source: settings.source,
    config: {
      file: current.file,
      version: current.version,
      applied_at: config.appliedAt().toISOString(),
      error: error?.message ?? '',
      error_code: error?.code ?? '',
      error_at: error?.at.toISOString() ?? '',
    },
    uptime_seconds: (Date.now() - parts.startedAt) / 1000,
    daemon_version: DAEMON_VERSION,
    control_socket: control.path,
    control_access: socket ? describeAccess(socket.uid, socket.gid, socket.mode) : 'unknown',
    warnings,
    federation: {
      listen: p?.listen ?? '',
      settings_version: String(p?.settingsVersion ?? 0),
      nodes: p?.nodes ?? 0,
      nodes_connected: p?.connected ?? 0,
      cert_sha256: p?.certSha256 ?? '',
      primary: s?.primary ?? '',
      connection: s?.connection ?? '',
      applied_version: String(s?.appliedVersion ?? 0),
      last_heard: s?.lastHeard ?? '',
      applied_at: s?.appliedAt ?? '',
    },
    outbox: {
      queued: counts.queued,
      deferred: counts.deferred,
      dead: counts.dead,
      sent_since_start: String(counts.sentSinceStart),
      last_error: deliveryError?.message ?? '',
      last_error_at: deliveryError?.at ?? '',
      last_error_server: deliveryError?.server ?? '',
    },
  };
}
