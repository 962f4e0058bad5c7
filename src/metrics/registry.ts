/**
 * What the daemon exposes to Prometheus. Gauges read the parts' own status when scraped (the
 * outbox's counts, the primary's node list, the secondary's status, the config in force): no
 * second copy of a fact to drift; they are tables of data in gauges.ts. Counters and the latency
 * histogram follow the events the outbox, the delivery and the config tell. Label values are
 * bounded: message kinds, queue states, failure classes, and on a primary the names of its
 * secondaries (bounded by the fleet).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Audit } from '../audit/audit.js';
import { AUDIT_KINDS } from '../audit/entry.js';
import type { LiveConfig } from '../config/live-config.js';
import type { FederationPrimary } from '../federation/primary.js';
import type { FederationSecondary } from '../federation/secondary.js';
import type { Delivery } from '../relay/delivery.js';
import { SMTP_FAILURE_CLASSES } from '../relay/classify.js';
import { MESSAGE_KINDS, type Outbox } from '../relay/outbox.js';
import { addScrapedGauges, CONFIG_GAUGES, OUTBOX_GAUGES, PREFIX, PRIMARY_GAUGES, SECONDARY_GAUGES, type ScrapedParts } from './gauges.js';

/**
 * Acceptance to the server's 250: a fraction of a second when all is well, minutes to hours
 * while the server is down and mail waits for a retry (relay.retryMax 15 m, maxAge 5 days).
 */
const LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface MetricsSources extends ScrapedParts {
  primary: FederationPrimary | null;
  secondary: FederationSecondary | null;
  audit: Pick<Audit, 'onRecord'>;
  daemonVersion: string;
}

/** A registry of its own (not prom-client's global one), subscribed to the parts' events. */
export function createMetricsRegistry(sources: MetricsSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  // Process and Node.js runtime metrics (CPU, memory, event loop lag, heap), unprefixed as usual,
  // less three gauges that prom-client names like counters (promtool check metrics refuses them).
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);

  // In the order of the reference docs (docs/reference/metrics.md lists them as registered).
  addBuildInfo(registers, sources.daemonVersion);
  addMessageMetrics(registers, sources.outbox);
  addAuditMetrics(registers, sources.audit);
  addFailureMetrics(registers, sources.delivery);
  addScrapedGauges(registers, sources, OUTBOX_GAUGES);
  addReloadMetrics(registers, sources.config);
  addScrapedGauges(registers, sources, CONFIG_GAUGES);
  if (sources.primary) addScrapedGauges(registers, sources.primary, PRIMARY_GAUGES);
  if (sources.secondary) addScrapedGauges(registers, sources.secondary, SECONDARY_GAUGES);
  return registry;
}

function addBuildInfo(registers: Registry[], daemonVersion: string): void {
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say which appliance-mail and which Node.js run',
    labelNames: ['version', 'nodejs_version'],
    registers,
  }).set({ version: daemonVersion, nodejs_version: process.versions.node }, 1);
}

/** Messages, by what happened to them, and the time from acceptance to the server's 250. */
function addMessageMetrics(registers: Registry[], outbox: Outbox): void {
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
}

function addAuditMetrics(registers: Registry[], audit: MetricsSources['audit']): void {
  const auditEntries = new Counter({ name: `${PREFIX}audit_entries_total`, help: 'Entries written to the audit trail, by kind (settings, revert, console-login, ...)', labelNames: ['kind'], registers });
  for (const kind of AUDIT_KINDS) auditEntries.inc({ kind }, 0);
  audit.onRecord((entry) => auditEntries.inc({ kind: entry.kind }));
}

function addFailureMetrics(registers: Registry[], delivery: Delivery): void {
  const failures = new Counter({
    name: `${PREFIX}smtp_failures_total`,
    help: 'Sends the mail server failed or refused, by class: connect, tls, auth, 4xx, 5xx, other',
    labelNames: ['class'],
    registers,
  });
  for (const failureClass of SMTP_FAILURE_CLASSES) failures.inc({ class: failureClass }, 0);
  delivery.onFailure((failureClass) => failures.inc({ class: failureClass }));
}

/** Config reloads: events for the counts; the config's own state for the rest (CONFIG_GAUGES). */
function addReloadMetrics(registers: Registry[], config: LiveConfig): void {
  const reloads = new Counter({ name: `${PREFIX}config_reloads_total`, help: 'Edits of the config file read, by result: ok (applied) or failed (refused)', labelNames: ['result'], registers });
  reloads.inc({ result: 'ok' }, 0);
  reloads.inc({ result: 'failed' }, 0);
  config.onChange(() => reloads.inc({ result: 'ok' }));
  config.onRefused(() => reloads.inc({ result: 'failed' }));
}
