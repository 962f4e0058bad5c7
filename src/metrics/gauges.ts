/**
 * The gauges read when scraped, as data: each table below is a declarative table of rows
 * { name, help, label?, read }, one per metric, in the order the reference docs list them. A row
 * says where its value comes from (the parts' own status: no second copy of a fact to drift);
 * addScrapedGauges turns rows into prom-client gauges. Counters, which follow events, are in
 * registry.ts.
 */
import { Gauge, type Registry } from 'prom-client';
import type { LiveConfig } from '../config/live-config.js';
import type { FederationPrimary } from '../federation/primary.js';
import type { FederationSecondary } from '../federation/secondary.js';
import type { Delivery } from '../relay/delivery.js';
import type { Outbox } from '../relay/outbox.js';

export const PREFIX = 'appliance_mail_';
const QUEUE_STATES = ['queued', 'deferred', 'dead'] as const;

/**
 * One gauge read at each scrape: a number; or, with `label`, the series in force now, one
 * [label value, number] pair each (the gauge is reset first, so a series not listed disappears).
 */
export type ScrapedGauge<Source> =
  | { name: string; help: string; read(source: Source): number }
  | { name: string; help: string; label: string; read(source: Source): Iterable<readonly [string, number]> };

/** The daemon's parts the gauges of every node read. */
export interface ScrapedParts {
  config: LiveConfig;
  outbox: Outbox;
  delivery: Delivery;
}

/** Registers one gauge per row of `table`, reading `source` when scraped. */
export function addScrapedGauges<Source>(registers: Registry[], source: Source, table: ReadonlyArray<ScrapedGauge<Source>>): void {
  for (const row of table) {
    const label = 'label' in row ? row.label : null;
    new Gauge({
      name: `${PREFIX}${row.name}`,
      help: row.help,
      labelNames: label === null ? [] : [label],
      registers,
      collect() {
        if ('label' in row) {
          this.reset();
          for (const [value, n] of row.read(source)) this.set({ [row.label]: value }, n);
        } else this.set(row.read(source));
      },
    });
  }
}

/** The queue, its room and its state folder, read from the outbox. A declarative table (data, not logic). */
export const OUTBOX_GAUGES: ReadonlyArray<ScrapedGauge<ScrapedParts>> = [
  {
    name: 'outbox_messages',
    help: 'Messages in the outbox, by state (queued: due now; deferred: waiting for a retry; dead: dead letters)',
    label: 'state',
    read: ({ outbox }) => {
      const counts = outbox.counts();
      return QUEUE_STATES.map((state) => [state, counts[state]] as const);
    },
  },
  {
    name: 'outbox_bytes',
    help: 'Bytes of the messages stored in the outbox (queued, deferred and dead), what relay.maxOutboxBytes bounds',
    read: ({ outbox }) => outbox.counts().bytes,
  },
  { name: 'outbox_max_bytes', help: 'relay.maxOutboxBytes: past it, new messages are refused', read: ({ config }) => config.current().relay.maxOutboxBytes },
  // Room per lane (docs/explanation/outbox-room.md): what each door holds against its share now.
  {
    name: 'outbox_lane_bytes',
    help: 'Bytes stored in the outbox per lane: port (submission port), sendmail, digest (each capped at its relay.shares), priority (alerts, notifications, tests)',
    label: 'lane',
    read: ({ outbox }) => Object.entries(outbox.room()).map(([lane, room]) => [lane, room.bytes] as const),
  },
  {
    name: 'outbox_lane_limit_bytes',
    help: "What each lane may hold now: its share of the outbox's room (relay.maxOutboxBytes or the free space above relay.minFreeBytes, whichever is less)",
    label: 'lane',
    read: ({ outbox }) => Object.entries(outbox.room()).map(([lane, room]) => [lane, room.limitBytes] as const),
  },
  // The state folder (outbox-state.ts): 1 while the queue is in memory only; losses since start.
  {
    name: 'state_lost',
    help: "1 while the outbox's state folder is gone or replaced and its queue is held in memory only (no mail accepted); 0 otherwise",
    read: ({ outbox }) => (outbox.stateLoss()?.recoveredAt === null ? 1 : 0),
  },
  {
    name: 'state_losses',
    help: "Times since start that the outbox's state folder or journal file was found removed or replaced under the daemon",
    read: ({ outbox }) => outbox.stateLoss()?.count ?? 0,
  },
  {
    name: 'outbox_oldest_message_age_seconds',
    help: 'Age of the oldest message still to deliver (queued or deferred); 0 when there is none',
    read: ({ outbox }) => oldestAgeSeconds(outbox),
  },
];

/** The config in force and the mail server's token. A declarative table (data, not logic). */
export const CONFIG_GAUGES: ReadonlyArray<ScrapedGauge<ScrapedParts>> = [
  {
    name: 'config_last_reload_successful',
    help: '1 while the config file in force is the one on disk; 0 while its last edit is refused',
    read: ({ config }) => (config.lastError() === null ? 1 : 0),
  },
  {
    name: 'config_last_reload_success_timestamp_seconds',
    help: 'When the config in force was applied (start or the last good edit), in seconds since the epoch',
    read: ({ config }) => config.appliedAt().getTime() / 1000,
  },
  // With auth oauth2 only: a series that exists only then, so an alert on it is about OAuth2.
  {
    name: 'oauth2_token_last_request_successful',
    help: 'With mailServer.auth oauth2: 1 while a token is at hand or the last token request succeeded; 0 while the token endpoint refuses or cannot be reached',
    label: 'endpoint',
    read: ({ delivery }) => {
      const token = delivery.status().oauth2;
      return token === null ? [] : [[token.endpoint, token.lastError === null ? 1 : 0] as const];
    },
  },
];

type NodeView = ReturnType<FederationPrimary['listNodes']>['nodes'][number];
/** One series per secondary joined, labelled `node`: a removed node's series disappear at the next scrape. */
const perNode = (value: (node: NodeView) => number) => (primary: FederationPrimary) => primary.listNodes().nodes.map((node) => [node.name, value(node)] as const);

/** The primary's view of its fleet. A declarative table (data, not logic). */
export const PRIMARY_GAUGES: ReadonlyArray<ScrapedGauge<FederationPrimary>> = [
  { name: 'federation_settings_version', help: 'The settings version this primary serves', read: (primary) => primary.status().settingsVersion },
  { name: 'federation_secondaries', help: 'Secondaries joined to this primary', read: (primary) => primary.status().nodes },
  { name: 'federation_secondaries_connected', help: 'Secondaries with a settings stream open to this primary now', read: (primary) => primary.status().connected },
  {
    name: 'federation_secondary_connected',
    help: '1 while the secondary has a settings stream open, else 0',
    label: 'node',
    read: perNode((n) => (n.connected ? 1 : 0)),
  },
  {
    name: 'federation_secondary_centralized',
    help: '1 when the secondary takes its settings from this primary (centralized), 0 when it keeps its own (local)',
    label: 'node',
    read: perNode((n) => (n.mode === 'centralized' ? 1 : 0)),
  },
  {
    name: 'federation_secondary_applied_version',
    help: 'The settings version the secondary applied; 0 when none, or when its last report refused a version',
    label: 'node',
    read: perNode((n) => (n.applied && n.applied.error === null ? n.applied.version : 0)),
  },
  {
    name: 'federation_secondary_verified',
    help: '1 when the settings version the secondary applied was checked from there against the mail server and works, else 0',
    label: 'node',
    read: perNode((n) => (n.applied !== null && n.applied.error === null && n.verified?.version === n.applied.version && n.verified.error === null ? 1 : 0)),
  },
];

/** The secondary's own view of its primary. A declarative table (data, not logic). */
export const SECONDARY_GAUGES: ReadonlyArray<ScrapedGauge<FederationSecondary>> = [
  { name: 'federation_joined', help: '1 when this secondary has joined a primary, else 0', read: (s) => (s.status().connection === 'not joined' ? 0 : 1) },
  { name: 'federation_connected', help: "1 while this secondary's settings stream to its primary is open, else 0", read: (s) => (s.status().connection === 'connected' ? 1 : 0) },
  { name: 'federation_applied_version', help: 'The centralized settings version this secondary applied; 0 when none', read: (s) => s.status().appliedVersion },
  {
    name: 'federation_verified',
    help: 'The last check of centralized settings against the mail server since start: 1 they work; 0 they failed, or no check yet',
    read: (s) => (s.status().verify?.outcome === 'ok' ? 1 : 0),
  },
  { name: 'federation_verified_version', help: 'The settings version of that last check; 0 when none since start', read: (s) => s.status().verify?.version ?? 0 },
];

function oldestAgeSeconds(outbox: Outbox): number {
  const oldest = outbox.oldestWaitingSince();
  return oldest === null ? 0 : Math.max(0, Date.now() - oldest) / 1000;
}
