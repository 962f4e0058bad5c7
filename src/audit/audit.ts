/**
 * The audit component: one `record` for every door, and the two listeners that see settings
 * change whatever door they came through — the config file's live reload, and on a centralized
 * secondary the primary's settings. Each entry goes to the trail (fsync'd), to the log at info
 * with `audit: true` (journald and log shippers can route on it) and to the listeners (the
 * metric). A config-file change is attributed to the writer that announced its bytes (the
 * console's save, a revert); any other is "config file edited on disk".
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, type Config } from '../config/load.js';
import type { ConfigError, LiveConfig } from '../config/live-config.js';
import { AppError } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { Effective, EffectiveSettings } from '../settings/effective.js';
import { PRIVATE_DIR_MODE, writeFileDurably } from '../util/durable-file.js';
import { currentActor } from './actor.js';
import { diffSettings, flattenSettings } from './diff.js';
import { FILE_ACTOR, type Actor, type AuditEntry, type AuditKind, type AuditRecord } from './entry.js';
import { openKeptConfigs, versionOf, type KeptConfigs } from './kept-configs.js';
import { createLoginFailures, LOGIN_WINDOW_MS } from './login-summary.js';
import { openAuditTrail, type AuditTrail } from './trail.js';

export const AUDIT_DIR = 'audit';
const KEY_FILE = 'hmac.key';
const KEY_BYTES = 32;
/** A writer's announcement is for the reload that follows its write, within seconds; older ones are stale. */
const ANNOUNCEMENT_TTL_MS = 30_000;

export interface HistoryFilter {
  sinceMs?: number;
  limit?: number;
  kind?: AuditKind;
  /** Part of the actor's words, case-insensitive. */
  actor?: string;
}

export interface Audit {
  /** Writes one entry, attributed to the current actor unless the record names one; never throws. */
  record(record: AuditRecord): Promise<AuditEntry | null>;
  /** A writer of the config file is about to write `text` for the current actor. */
  announceWrite(text: string, revertOf?: number): void;
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
  const listeners: Array<(entry: AuditEntry) => void> = [];
  const announced = new Map<string, { actor: Actor; revertOf: number | undefined; text: string; at: number }>();
  const loginFailures = createLoginFailures();
  let pending: Promise<unknown> = Promise.resolve();
  let summaryTimer: NodeJS.Timeout | null = null;

  function record(input: AuditRecord): Promise<AuditEntry | null> {
    const { actor = currentActor(), ...fields } = input;
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

  const flat = (settings: unknown) => flattenSettings(settings, hmacKey);

  async function onConfigApplied(next: Config, previous: Config): Promise<void> {
    const now = Date.now();
    for (const [version, note] of announced) if (now - note.at > ANNOUNCEMENT_TTL_MS) announced.delete(version);
    const note = announced.get(next.version);
    announced.delete(next.version);
    // The writer's bytes, else the file as it is now (kept only if it is still this version).
    const text = note?.text ?? (await readFile(next.file, 'utf8').catch(() => ''));
    const isKept = await kept.keep(next.version, text).catch((err: unknown) => {
      log.warn({ err }, 'audit: the configuration could not be kept');
      return false;
    });
    // The whole config: sockets, listeners and limits are settings too (file, version are skipped).
    const changes = diffSettings(flat(previous), flat(next));
    const revertOf = note?.revertOf;
    await record({
      kind: revertOf === undefined ? 'settings' : 'revert',
      actor: note?.actor ?? FILE_ACTOR,
      summary: revertOf === undefined ? describeChanges(changes) : `revert to #${revertOf} (version ${next.version}): ${describeChanges(changes)}`,
      version: next.version,
      kept: isKept,
      changes,
      ...(revertOf === undefined ? {} : { revertOf }),
    });
  }

  function onConfigRefused(error: ConfigError): void {
    void record({ kind: 'settings-refused', actor: FILE_ACTOR, summary: `an edit of ${config.current().file} was refused; ${config.current().version} stays in force`, reason: `${error.message} [${error.code}]` });
  }

  /** On a centralized secondary, settings that arrive from the primary. */
  function followEffective(effective: EffectiveSettings): void {
    let previous: Effective = effective.current();
    effective.onChange((next) => {
      const before = previous;
      previous = next;
      if (effective.mode() !== 'centralized' || !next.source.startsWith('primary ')) return;
      const changes = diffSettings(flat(effectiveSettingsOf(before)), flat(effectiveSettingsOf(next)));
      if (changes.length === 0) return;
      const version = /version (\d+)$/.exec(next.source)?.[1];
      void record({ kind: 'settings', actor: { name: next.source, door: 'primary' }, summary: describeChanges(changes), ...(version ? { version: `primary v${version}` } : {}), changes });
    });
  }

  /**
   * The configuration in force at start, when the trail does not end on it (a first start, or an
   * edit while the daemon was stopped): an entry to revert to, with its diff when the last one
   * recorded is still kept.
   */
  async function recordStartConfig(): Promise<void> {
    const current = config.current();
    const isKept = await kept.keep(current.version, await readFile(current.file, 'utf8').catch(() => '')).catch(() => false);
    const last = (await trail.read()).reverse().find((e) => (e.kind === 'settings' || e.kind === 'revert') && e.door !== 'primary' && e.version !== undefined);
    if (last?.version === current.version) return;
    const lastText = last?.version === undefined ? null : await kept.read(last.version);
    let changes;
    try {
      changes = lastText === null ? undefined : diffSettings(flat(parseConfig(lastText, current.file)), flat(current));
    } catch {
      changes = undefined;
    }
    const summary = last === undefined ? `configuration in force at the first start with an audit trail (version ${current.version})` : `configuration changed while the daemon was stopped: ${changes ? describeChanges(changes) : `version ${last.version} → ${current.version}`}`;
    await record({ kind: 'settings', actor: FILE_ACTOR, summary, version: current.version, kept: isKept, ...(changes ? { changes } : {}) });
  }

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
    announceWrite(text, revertOf) {
      announced.set(versionOf(text), { actor: currentActor(), revertOf, text, at: Date.now() });
    },
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
    followEffective,
    async start() {
      config.onChange((next, previous) => {
        pending = pending.then(() => onConfigApplied(next, previous)).catch((err: unknown) => log.error({ err }, 'audit: a config change could not be recorded'));
      });
      config.onRefused(onConfigRefused);
      await recordStartConfig();
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

function effectiveSettingsOf(effective: Effective): unknown {
  return { mailServer: effective.mailServer, notifications: { recipients: effective.recipients }, portal: { address: effective.portalAddress } };
}

/** "mailServer.server, mailServer.password changed" in a line. */
export function describeChanges(changes: ReadonlyArray<{ path: string }>): string {
  if (changes.length === 0) return 'no setting changed (formatting or comments only)';
  const named = changes.slice(0, 4).map((c) => c.path);
  return `${named.join(', ')}${changes.length > 4 ? ` and ${changes.length - 4} more` : ''} changed`;
}

async function loadOrCreateKey(path: string): Promise<Buffer> {
  const existing = await readFile(path).catch(() => null);
  if (existing !== null && existing.length === KEY_BYTES) return existing;
  const key = randomBytes(KEY_BYTES);
  await writeFileDurably(path, key);
  return key;
}
