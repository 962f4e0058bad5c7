/**
 * Settings changes as audit entries, whatever door they came through: each config the live
 * reload applies (attributed to the writer that announced its bytes, else "config file edited on
 * disk"), each edit it refuses, the configuration found at start, and on a centralized secondary
 * the settings that arrive from its primary.
 */
import { readFile } from 'node:fs/promises';
import type { ConfigError, LiveConfig } from '../config/live-config.js';
import { parseConfig, type Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { EffectiveSettings, EffectiveSnapshot as Effective } from '../config/effective.js';
import { diffSettings, type FieldChange, type FlatSettings } from './diff.js';
import { FILE_ACTOR, type Actor, type AuditEntry, type AuditRecord } from './entry.js';
import { versionOf, type KeptConfigs } from './kept-configs.js';

/** A writer's announcement is for the reload that follows its write, within seconds; older ones are stale. */
const ANNOUNCEMENT_TTL_MS = 30_000;

export interface SettingsChangeDeps {
  config: LiveConfig;
  kept: KeptConfigs;
  /** Settings flattened with the audit's key (secrets as keyed hashes). */
  flat(settings: unknown): FlatSettings;
  record(record: AuditRecord): Promise<AuditEntry | null>;
  entries(): Promise<AuditEntry[]>;
  log: Logger;
}

export function createSettingsChanges(deps: SettingsChangeDeps) {
  const { config, kept, flat, record, log } = deps;
  const announced = new Map<string, { actor: Actor; revertOf: number | undefined; text: string; at: number }>();

  async function applied(next: Config, previous: Config): Promise<void> {
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

  function refused(error: ConfigError): void {
    void record({ kind: 'settings-refused', actor: FILE_ACTOR, summary: `an edit of ${config.current().file} was refused; ${config.current().version} stays in force`, reason: `${error.message} [${error.code}]` });
  }

  /**
   * The configuration in force at start, when the trail does not end on it (a first start, or an
   * edit while the daemon was stopped): an entry to revert to, with its diff when the last one
   * recorded is still kept.
   */
  async function recordStart(): Promise<void> {
    const current = config.current();
    const isKept = await kept.keep(current.version, await readFile(current.file, 'utf8').catch(() => '')).catch(() => false);
    const last = (await deps.entries()).reverse().find((e) => (e.kind === 'settings' || e.kind === 'revert') && e.door !== 'primary' && e.version !== undefined);
    if (last?.version === current.version) return;
    const lastText = last?.version === undefined ? null : await kept.read(last.version);
    let changes: FieldChange[] | undefined;
    try {
      changes = lastText === null ? undefined : diffSettings(flat(parseConfig(lastText, current.file)), flat(current));
    } catch {
      changes = undefined;
    }
    const summary = last === undefined ? `configuration in force at start, the trail holding no earlier one (version ${current.version})` : `configuration changed while the daemon was stopped: ${changes ? describeChanges(changes) : `version ${last.version} → ${current.version}`}`;
    await record({ kind: 'settings', actor: FILE_ACTOR, summary, version: current.version, kept: isKept, ...(changes ? { changes } : {}) });
  }

  return {
    applied,
    refused,
    recordStart,
    /** A writer of the config file is about to write `text` for `actor`. */
    announceWrite(text: string, actor: Actor, revertOf?: number): void {
      announced.set(versionOf(text), { actor, revertOf, text, at: Date.now() });
    },
    /** On a centralized secondary, settings that arrive from the primary. */
    followEffective(effective: EffectiveSettings): void {
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
    },
  };
}

function effectiveSettingsOf(effective: Effective): unknown {
  return federatedFields(effective.mailServer, effective.recipients, effective.portalAddress);
}

/** The settings a primary sends its centralized secondaries, under the config's own paths. */
export function federatedFields(mailServer: unknown, recipients: readonly string[], portalAddress: string | null): unknown {
  return { mailServer, notifications: { recipients }, portal: { address: portalAddress } };
}

/** "mailServer.server, mailServer.password changed" in a line. */
function describeChanges(changes: ReadonlyArray<{ path: string }>): string {
  if (changes.length === 0) return 'no setting changed (formatting or comments only)';
  const named = changes.slice(0, 4).map((c) => c.path);
  return `${named.join(', ')}${changes.length > 4 ? ` and ${changes.length - 4} more` : ''} changed`;
}
