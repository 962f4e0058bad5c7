/**
 * The daemon's status in domain terms: what each part reports, gathered in one place. No
 * secrets: the mail settings appear only as their view (password set/unset).
 */
import { stat } from 'node:fs/promises';
import type { ConfigError, FileReadStatus, LiveConfig } from '../config/live-config.js';
import { heloNameWarning } from '../config/helo-name.js';
import { secretFileWarnings } from '../config/secret-files.js';
import { describeMailServer, type MailServerView } from '../settings/view.js';
import type { FederationPrimary, PrimaryStatus } from '../federation/primary.js';
import type { FederationSecondary, SecondaryStatus } from '../federation/secondary.js';
import { portalAddressWarning } from '../notify/notifier.js';
import type { Delivery, DeliveryStatus } from '../relay/delivery.js';
import type { Outbox, OutboxCounts, OutboxRoom } from '../relay/outbox.js';
import { outboxWarnings } from '../relay/warnings.js';
import type { EffectiveSettings, NodeMode } from '../config/effective.js';
import { settingsWarnings } from '../config/settings-warnings.js';
import { describeAccess } from '../util/accounts.js';

export interface DaemonStatus {
  nodeName: string;
  role: 'primary' | 'secondary';
  mode: NodeMode;
  mailServer: MailServerView;
  settingsSource: string;
  config: {
    file: string;
    version: string;
    appliedAt: Date;
    /** The last refused edit; null while the file is in force. */
    error: ConfigError | null;
    /** The files the config names, and when each was last read. */
    files: FileReadStatus[];
  };
  uptimeSeconds: number;
  daemonVersion: string;
  controlSocket: string;
  controlAccess: string;
  adminSocket: string;
  adminAccess: string;
  /** The Web Console's bound address, null while it is off. */
  consoleUrl: string | null;
  warnings: string[];
  primary: PrimaryStatus | null;
  secondary: SecondaryStatus | null;
  outbox: OutboxCounts;
  /** Bytes per lane against its share (relay.shares). */
  outboxRoom: OutboxRoom;
  /** True while the state folder is lost and the queue is in memory only. */
  stateLost: boolean;
  outboxLimits: { maxOutboxBytes: number; minFreeBytes: number };
  delivery: DeliveryStatus;
}

export interface StatusSources {
  config: LiveConfig;
  effective: EffectiveSettings;
  outbox: Outbox;
  delivery: Delivery;
  primary: FederationPrimary | null;
  secondary: FederationSecondary | null;
  daemonVersion: string;
  startedAt: number;
  consoleUrl: () => string | null;
  /** sendmail's drop folder: files that could not be queued and wait in its bad/. */
  dropWarnings: () => Promise<string[]>;
}

export async function buildStatus(sources: StatusSources): Promise<DaemonStatus> {
  const { config, effective, outbox, delivery, primary, secondary } = sources;
  const current = config.current();
  const settings = effective.current();
  const { socket, adminSocket } = current.control;
  const portalWarning = portalAddressWarning(effective);
  const heloWarning = heloNameWarning(settings.heloName);
  return {
    nodeName: current.node.name,
    role: current.node.role,
    mode: effective.mode(),
    mailServer: describeMailServer(settings.mailServer),
    settingsSource: settings.source,
    config: {
      file: current.file,
      version: current.version,
      appliedAt: config.appliedAt(),
      error: config.lastError(),
      files: config.files(),
    },
    uptimeSeconds: (Date.now() - sources.startedAt) / 1000,
    daemonVersion: sources.daemonVersion,
    controlSocket: socket,
    controlAccess: await access(socket),
    adminSocket,
    adminAccess: await access(adminSocket),
    consoleUrl: sources.consoleUrl(),
    warnings: [...(await secretFileWarnings(current)), ...settingsWarnings(effective), ...(await outboxWarnings(outbox)), ...(await sources.dropWarnings()), ...(portalWarning ? [portalWarning] : []), ...(heloWarning ? [heloWarning] : [])],
    primary: primary?.status() ?? null,
    secondary: secondary?.status() ?? null,
    outbox: outbox.counts(),
    outboxRoom: outbox.room(),
    stateLost: outbox.stateLoss()?.recoveredAt === null,
    outboxLimits: { maxOutboxBytes: current.relay.maxOutboxBytes, minFreeBytes: current.relay.minFreeBytes },
    delivery: delivery.status(),
  };
}

/** Who may use a socket, in words, from its owner, group and mode. */
async function access(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  return info ? describeAccess(info.uid, info.gid, info.mode) : 'unknown';
}
