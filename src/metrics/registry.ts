/**
 * What the daemon exposes to Prometheus. Gauges read the parts' own status when scraped (the
 * outbox's counts, the primary's node list, the secondary's status, the config in force): no
 * second copy of a fact to drift. Counters and the latency histogram follow the events the
 * outbox, the delivery and the config tell. Label values are bounded: message kinds, queue
 * states, failure classes, and on a primary the names of its secondaries (bounded by the fleet).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveConfig } from '../config/live-config.js';
import type { FederationPrimary } from '../federation/primary.js';
import type { FederationSecondary } from '../federation/secondary.js';
import type { Delivery } from '../relay/delivery.js';
import { SMTP_FAILURE_CLASSES } from '../relay/classify.js';
import { MESSAGE_KINDS, type Outbox } from '../relay/outbox.js';

const PREFIX = 'appliance_mail_';
/**
 * Acceptance to the server's 250: a fraction of a second when all is well, minutes to hours
 * while the server is down and mail waits for a retry (relay.retryMax 15 m, maxAge 5 days).
 */
const LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const QUEUE_STATES = ['queued', 'deferred', 'dead'] as const;
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface MetricsSources {
  config: LiveConfig;
  outbox: Outbox;
  delivery: Delivery;
  primary: FederationPrimary | null;
  secondary: FederationSecondary | null;
  daemonVersion: string;
}

/** A registry of its own (not prom-client's global one), subscribed to the parts' events. */
export function createMetricsRegistry(sources: MetricsSources): Registry {
  const { config, outbox, delivery, primary, secondary } = sources;
  const registry = new Registry();
  const registers = [registry];
  // Process and Node.js runtime metrics (CPU, memory, event loop lag, heap), unprefixed as usual,
  // less three gauges that prom-client names like counters (promtool check metrics refuses them).
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);

  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say which appliance-mail and which Node.js run',
    labelNames: ['version', 'nodejs_version'],
    registers,
  }).set({ version: sources.daemonVersion, nodejs_version: process.versions.node }, 1);

  // Messages, by what happened to them.
  const byKind = (name: string, help: string) => {
    const counter = new Counter({ name: `${PREFIX}messages_${name}_total`, help, labelNames: ['kind'], registers });
    for (const kind of MESSAGE_KINDS) counter.inc({ kind }, 0);
    return counter;
  };
  const events = {
    accepted: byKind('accepted', 'Messages accepted into the outbox (on disk), by kind'),
    sent: byKind('sent', 'Messages the mail server accepted for all their recipients, by kind'),
    deferred: byKind('deferred', 'Delivery attempts that failed for now and will be retried, by kind'),
    dead: byKind('dead', 'Messages moved to the dead letters (refused for good, or expired), by kind'),
  };
  const latency = new Histogram({
    name: `${PREFIX}delivery_latency_seconds`,
    help: "Time from a message's acceptance to the mail server's 250 for it, by kind",
    labelNames: ['kind'],
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  for (const kind of MESSAGE_KINDS) latency.zero({ kind });
  outbox.onEvent((event) => {
    events[event.type].inc({ kind: event.kind });
    if (event.type === 'sent') latency.observe({ kind: event.kind }, Math.max(0, event.at - event.acceptedAt) / 1000);
  });

  const failures = new Counter({
    name: `${PREFIX}smtp_failures_total`,
    help: 'Sends the mail server failed or refused, by class: connect, tls, auth, 4xx, 5xx, other',
    labelNames: ['class'],
    registers,
  });
  for (const failureClass of SMTP_FAILURE_CLASSES) failures.inc({ class: failureClass }, 0);
  delivery.onFailure((failureClass) => failures.inc({ class: failureClass }));

  // The queue, read from the outbox when scraped.
  new Gauge({
    name: `${PREFIX}outbox_messages`,
    help: 'Messages in the outbox, by state (queued: due now; deferred: waiting for a retry; dead: dead letters)',
    labelNames: ['state'],
    registers,
    collect() {
      const counts = outbox.counts();
      for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: `${PREFIX}outbox_bytes`,
    help: 'Bytes of the messages stored in the outbox (queued, deferred and dead), what relay.maxOutboxBytes bounds',
    registers,
    collect() {
      this.set(outbox.counts().bytes);
    },
  });
  new Gauge({
    name: `${PREFIX}outbox_max_bytes`,
    help: 'relay.maxOutboxBytes: past it, new messages are refused',
    registers,
    collect() {
      this.set(config.current().relay.maxOutboxBytes);
    },
  });
  // Room per lane (docs/explanation/outbox-room.md): what each door holds against its share now.
  new Gauge({
    name: `${PREFIX}outbox_lane_bytes`,
    help: 'Bytes stored in the outbox per lane: port (submission port), sendmail, digest (each capped at its relay.shares), priority (alerts, notifications, tests)',
    labelNames: ['lane'],
    registers,
    collect() {
      for (const [lane, room] of Object.entries(outbox.room())) this.set({ lane }, room.bytes);
    },
  });
  new Gauge({
    name: `${PREFIX}outbox_lane_limit_bytes`,
    help: "What each lane may hold now: its share of the outbox's room (relay.maxOutboxBytes or the free space above relay.minFreeBytes, whichever is less)",
    labelNames: ['lane'],
    registers,
    collect() {
      for (const [lane, room] of Object.entries(outbox.room())) this.set({ lane }, room.limitBytes);
    },
  });
  // The state folder (outbox-state.ts): 1 while the queue is in memory only; losses since start.
  new Gauge({
    name: `${PREFIX}state_lost`,
    help: "1 while the outbox's state folder is gone or replaced and its queue is held in memory only (no mail accepted); 0 otherwise",
    registers,
    collect() {
      this.set(outbox.stateLoss()?.recoveredAt === null ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}state_losses`,
    help: "Times since start that the outbox's state folder or journal file was found removed or replaced under the daemon",
    registers,
    collect() {
      this.set(outbox.stateLoss()?.count ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}outbox_oldest_message_age_seconds`,
    help: 'Age of the oldest message still to deliver (queued or deferred); 0 when there is none',
    registers,
    collect() {
      let oldest = Number.POSITIVE_INFINITY;
      for (const entry of outbox.list()) if (entry.state !== 'dead' && entry.createdAt < oldest) oldest = entry.createdAt;
      this.set(oldest === Number.POSITIVE_INFINITY ? 0 : Math.max(0, Date.now() - oldest) / 1000);
    },
  });

  // Config reloads: events for the counts, the config's own state for the rest.
  const reloads = new Counter({ name: `${PREFIX}config_reloads_total`, help: 'Edits of the config file read, by result: ok (applied) or failed (refused)', labelNames: ['result'], registers });
  reloads.inc({ result: 'ok' }, 0);
  reloads.inc({ result: 'failed' }, 0);
  config.onChange(() => reloads.inc({ result: 'ok' }));
  config.onRefused(() => reloads.inc({ result: 'failed' }));
  new Gauge({
    name: `${PREFIX}config_last_reload_successful`,
    help: '1 while the config file in force is the one on disk; 0 while its last edit is refused',
    registers,
    collect() {
      this.set(config.lastError() === null ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}config_last_reload_success_timestamp_seconds`,
    help: 'When the config in force was applied (start or the last good edit), in seconds since the epoch',
    registers,
    collect() {
      this.set(config.appliedAt().getTime() / 1000);
    },
  });

  // With auth oauth2 only: a series that exists only then, so an alert on it is about OAuth2.
  new Gauge({
    name: `${PREFIX}oauth2_token_last_request_successful`,
    help: 'With mailServer.auth oauth2: 1 while a token is at hand or the last token request succeeded; 0 while the token endpoint refuses or cannot be reached',
    labelNames: ['endpoint'],
    registers,
    collect() {
      this.reset();
      const token = delivery.status().oauth2;
      if (token !== null) this.set({ endpoint: token.endpoint }, token.lastError === null ? 1 : 0);
    },
  });

  if (primary) addPrimaryMetrics(registers, primary);
  if (secondary) addSecondaryMetrics(registers, secondary);
  return registry;
}

/** The primary's view of its fleet. Per-node series carry `node`: one per secondary joined. */
function addPrimaryMetrics(registers: Registry[], primary: FederationPrimary): void {
  new Gauge({
    name: `${PREFIX}federation_settings_version`,
    help: 'The settings version this primary serves',
    registers,
    collect() {
      this.set(primary.status().settingsVersion);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_secondaries`,
    help: 'Secondaries joined to this primary',
    registers,
    collect() {
      this.set(primary.status().nodes);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_secondaries_connected`,
    help: 'Secondaries with a settings stream open to this primary now',
    registers,
    collect() {
      this.set(primary.status().connected);
    },
  });
  // One gauge per fact, each reset at every scrape so that a removed node's series disappear.
  const perNode = (name: string, help: string, value: (node: ReturnType<FederationPrimary['listNodes']>['nodes'][number]) => number) =>
    new Gauge({
      name: `${PREFIX}federation_secondary_${name}`,
      help,
      labelNames: ['node'],
      registers,
      collect() {
        this.reset();
        for (const node of primary.listNodes().nodes) this.set({ node: node.name }, value(node));
      },
    });
  perNode('connected', '1 while the secondary has a settings stream open, else 0', (n) => (n.connected ? 1 : 0));
  perNode('centralized', '1 when the secondary takes its settings from this primary (centralized), 0 when it keeps its own (local)', (n) => (n.mode === 'centralized' ? 1 : 0));
  perNode('applied_version', 'The settings version the secondary applied; 0 when none, or when its last report refused a version', (n) =>
    n.applied && n.applied.error === null ? n.applied.version : 0,
  );
  perNode('verified', '1 when the settings version the secondary applied was checked from there against the mail server and works, else 0', (n) =>
    n.applied !== null && n.applied.error === null && n.verified?.version === n.applied.version && n.verified.error === null ? 1 : 0,
  );
}

/** The secondary's own view of its primary; nothing while it has not joined. */
function addSecondaryMetrics(registers: Registry[], secondary: FederationSecondary): void {
  new Gauge({
    name: `${PREFIX}federation_joined`,
    help: '1 when this secondary has joined a primary, else 0',
    registers,
    collect() {
      this.set(secondary.status().connection === 'not joined' ? 0 : 1);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_connected`,
    help: "1 while this secondary's settings stream to its primary is open, else 0",
    registers,
    collect() {
      this.set(secondary.status().connection === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_applied_version`,
    help: 'The centralized settings version this secondary applied; 0 when none',
    registers,
    collect() {
      this.set(secondary.status().appliedVersion);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_verified`,
    help: 'The last check of centralized settings against the mail server since start: 1 they work; 0 they failed, or no check yet',
    registers,
    collect() {
      this.set(secondary.status().verify?.outcome === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}federation_verified_version`,
    help: 'The settings version of that last check; 0 when none since start',
    registers,
    collect() {
      this.set(secondary.status().verify?.version ?? 0);
    },
  });
}
