/**
 * The audit component: one `record` for every door, and the two listeners that see settings
 * change whatever door they came through — the config file's live reload, and on a centralized
 * secondary the primary's settings. Each entry goes to the trail (fsync'd), to the log at info
 * with `audit: true` (journald and log shippers can route on it) and to the listeners (the
 * metric). A config-file change is attributed to the writer that announced its bytes (the
 * console's save, a revert); any other is "config file edited on disk". On a primary, the
 * federation's events add its secondaries' joins and refusals (federation-events.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { FederationEvent } from '../federation/primary.js';
import { PRIVATE_DIR_MODE, writeFileDurably } from '../util/durable-file.js';
import { flattenSettings } from './diff.js';
import { DAEMON_ACTOR, type Actor, type AuditEntry, type AuditKind, type AuditRecord } from './entry.js';
import { federationEventRecorder } from './federation-events.js';
import { openKeptConfigs, type KeptConfigs } from './kept-configs.js';
import { createLoginFailures, LOGIN_WINDOW_MS } from './login-summary.js';
import { openPublishedVersions, type PublishedDiff } from './published-versions.js';
import { createSettingsChanges } from './settings-changes.js';
import { openAuditTrail, type AuditTrail } from './trail.js';

export const AUDIT_DIR = 'audit';
const KEY_FILE = 'hmac.key';
const KEY_BYTES = 32;

export interface HistoryFilter {
  sinceMs?: number;
  limit?: number;
  kind?: AuditKind;
  /** Part of the actor's words, case-insensitive. */
  actor?: string;
}

export interface Audit {
  /** Writes one entry, attributed to the actor the record names (the daemon itself when none); never throws. */
  record(record: AuditRecord): Promise<AuditEntry | null>;
  /** A writer of the config file is about to write `text` for `actor`. */
  announceWrite(text: string, actor: Actor, revertOf?: number): void;
  /** `user`: null when the name typed is no account (it may be a password typed in the wrong field). */
  consoleLogin(address: string, user: string | null, outcome: 'success' | 'failure'): void;
  /** Newest first. */
  history(filter: HistoryFilter): Promise<AuditEntry[]>;
  entry(id: number): Promise<AuditEntry>;
  kept: KeptConfigs;
  /** Resolves once every entry recorded so far is on disk. */
  settled(): Promise<void>;
  onRecord(listener: (entry: AuditEntry) => void): void;
  /** Records the settings a centralized secondary receives from its primary. */
  followEffective(effective: EffectiveSettings): void;
  /** On a primary: its secondaries' joins and refusals (NACKs), and each settings version published. */
  federationEvent(event: FederationEvent): void;
  /** On a primary: what differs between settings version `from` (a secondary runs it) and `to` (in force). */
  publishedDiff(from: number, to: number): Promise<PublishedDiff>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface AuditDeps {
  config: LiveConfig;
  log: Logger;
}

export async function openAudit(deps: AuditDeps): Promise<Audit> {
  const { config, log } = deps;
  const dir = join(config.current().node.stateDir, AUDIT_DIR);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const hmacKey = await loadOrCreateKey(join(dir, KEY_FILE));
  const limits = () => config.current().audit;
  const trail: AuditTrail = await openAuditTrail(dir, () => ({ maxBytes: limits().maxBytes, maxAgeMs: limits().maxAgeMs }), log);
  const kept = openKeptConfigs(join(dir, 'configs'), () => limits().keptConfigs);
  const published = await openPublishedVersions(dir, { config, kept, log });
  const listeners: Array<(entry: AuditEntry) => void> = [];
  const loginFailures = createLoginFailures();
  let pending: Promise<unknown> = Promise.resolve();
  let summaryTimer: NodeJS.Timeout | null = null;

  function record(input: AuditRecord): Promise<AuditEntry | null> {
    const { actor = DAEMON_ACTOR, ...fields } = input;
    const written = trail.append({ ...fields, actor: actor.name, door: actor.door, ...(actor.address ? { address: actor.address } : {}) }).then(
      (entry) => {
        log.info({ audit: true, id: entry.id, kind: entry.kind, actor: entry.actor, door: entry.door, address: entry.address, version: entry.version, changes: entry.changes, reason: entry.reason }, `audit: ${entry.summary}`);
        for (const listener of listeners) listener(entry);
        return entry;
      },
      (err: unknown) => {
        log.error({ err, kind: fields.kind }, 'audit trail: an entry could not be written');
        return null;
      },
    );
    pending = pending.then(() => written);
    return written;
  }

  const settings = createSettingsChanges({ config, kept, flat: (value) => flattenSettings(value, hmacKey), record, entries: () => trail.read(), log });

  function flushLoginSummaries(): void {
    for (const summary of loginFailures.drain()) {
      void record({
        kind: 'console-login',
        actor: { name: 'console login', door: 'console', address: summary.address },
        summary: `${summary.failures} more failed or refused console login(s) from ${summary.address} in the last minute`,
        reason: 'wrong username or password',
      });
    }
  }

  return {
    record,
    announceWrite: settings.announceWrite,
    consoleLogin(address, user, outcome) {
      const name = user ?? 'a name that is no account';
      if (outcome === 'success') {
        void record({ kind: 'console-login', actor: { name: `console user ${name}`, door: 'console', address }, summary: `console login of ${name} from ${address}` });
      } else if (loginFailures.fail(address, name)) {
        void record({ kind: 'console-login', actor: { name: 'console login', door: 'console', address }, summary: `failed console login from ${address} (${name})`, reason: 'wrong username or password' });
      }
    },
    async history(filter) {
      const entries = await trail.read();
      const since = filter.sinceMs === undefined ? -Infinity : Date.now() - filter.sinceMs;
      const actor = filter.actor?.toLowerCase();
      const chosen = entries
        .filter((e) => Date.parse(e.at) >= since && (filter.kind === undefined || e.kind === filter.kind) && (actor === undefined || e.actor.toLowerCase().includes(actor)))
        .reverse();
      return filter.limit === undefined ? chosen : chosen.slice(0, filter.limit);
    },
    async entry(id) {
      const found = (await trail.read()).find((e) => e.id === id);
      if (!found) throw new AppError('AM_AUDIT_UNKNOWN', `there is no audit entry #${id} (entries older than audit.maxAge or beyond audit.maxBytes are gone); see appliance-mail history`);
      return found;
    },
    kept,
    settled: () => pending.then(() => undefined),
    onRecord(listener) {
      listeners.push(listener);
    },
    followEffective: settings.followEffective,
    federationEvent: federationEventRecorder({ record, versions: published }),
    publishedDiff: (from, to) => published.diff(from, to),
    async start() {
      config.onChange((next, previous) => {
        pending = pending.then(() => settings.applied(next, previous)).catch((err: unknown) => log.error({ err }, 'audit: a config change could not be recorded'));
      });
      config.onRefused(settings.refused);
      await settings.recordStart();
      summaryTimer = setInterval(flushLoginSummaries, LOGIN_WINDOW_MS);
      summaryTimer.unref();
    },
    async close() {
      if (summaryTimer) clearInterval(summaryTimer);
      summaryTimer = null;
      flushLoginSummaries();
      await pending.catch(() => undefined);
      await trail.close();
    },
  };
}

async function loadOrCreateKey(path: string): Promise<Buffer> {
  const existing = await readFile(path).catch(() => null);
  if (existing !== null && existing.length === KEY_BYTES) return existing;
  const key = randomBytes(KEY_BYTES);
  await writeFileDurably(path, key);
  return key;
}
