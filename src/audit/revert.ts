/**
 * "Put it back": a settings entry's configuration, kept bytes exact, written back to the config
 * file through the console's one writer (atomic, mode and owner kept, refused when the file
 * changed since the revert was shown), then applied by the live reload as any edit is; the
 * reload's entry says "revert to #N". Refused before anything is written when it cannot apply:
 * a change of node.role or of a setting that needs a restart, mail settings that a centralized
 * secondary takes from its primary, a configuration no longer kept or no longer valid.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkRestartOnly, type LiveConfig } from '../config/live-config.js';
import { parseConfig, type Config } from '../config/load.js';
import { AppError, toAppError } from '../errors/registry.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { Audit } from './audit.js';
import { diffSettings, flattenSettings, type FieldChange } from './diff.js';
import type { Actor, AuditEntry } from './entry.js';

/** The sections a centralized secondary takes from its primary: its own are not in use. */
const CENTRALIZED_SECTIONS = ['mailServer.', 'notifications.', 'portal.'];

/** The console's config-file writer, as far as a revert needs it (console/config-file.ts). */
export interface ConfigWriter {
  replace(
    expectedDigest: string,
    text: string,
  ): Promise<{ ok: true; version: string; applied: boolean } | { ok: false; code: 'AM_CONFIG_INVALID' | 'AM_CONFIG_CHANGED'; message: string; issues: ReadonlyArray<{ path: string; message: string }> }>;
}

export interface RevertPlan {
  entry: AuditEntry;
  /** From the config in force to the one the revert writes back. */
  changes: FieldChange[];
  /** sha256 of the config file now: the revert is refused if the file changes after the plan was shown. */
  fileDigest: string;
  /** Why it cannot be reverted to; null when it can. */
  refused: string | null;
}

export interface RevertResult {
  version: string;
  applied: boolean;
  /** The entry the reload wrote ("revert to #N"), once applied. */
  entry: AuditEntry | null;
}

export interface Reverter {
  plan(id: number): Promise<RevertPlan>;
  /** `expectedDigest`: the plan's fileDigest; empty takes the file as it is now (`revert --yes`). The trail names `actor`. */
  revert(id: number, expectedDigest: string, actor: Actor): Promise<RevertResult>;
}

export function createReverter(deps: { audit: Audit; config: LiveConfig; effective: EffectiveSettings; writer: ConfigWriter }): Reverter {
  const { audit, config, effective, writer } = deps;

  async function load(id: number): Promise<{ plan: RevertPlan; text: string | null }> {
    const entry = await audit.entry(id);
    const current = config.current();
    const fileDigest = createHash('sha256').update(await readFile(current.file, 'utf8').catch(() => '')).digest('hex');
    const refuse = (reason: string) => ({ plan: { entry, changes: [], fileDigest, refused: reason }, text: null });
    if (entry.door === 'primary') return refuse(`entry #${id} holds settings from the primary; revert them on the primary, which sends them here`);
    if ((entry.kind !== 'settings' && entry.kind !== 'revert') || entry.version === undefined) return refuse(`entry #${id} is not a saved configuration (${entry.kind}); only settings entries can be reverted to`);
    const text = await audit.kept.read(entry.version);
    if (text === null) return refuse(`the configuration of entry #${id} (version ${entry.version}) is no longer kept: only the last audit.keptConfigs are`);
    let target: Config;
    try {
      target = parseConfig(text, current.file);
    } catch (err) {
      return refuse(`the configuration of entry #${id} no longer validates: ${toAppError(err, 'AM_CONFIG_INVALID').message}`);
    }
    // Both configs are here in full: a throw-away key compares their secrets, shown as "changed".
    const key = randomBytes(32);
    const changes = diffSettings(flattenSettings(current, key), flattenSettings(target, key));
    return { plan: { entry, changes, fileDigest, refused: refusal(target, current, changes) }, text };
  }

  function refusal(target: Config, current: Config, changes: FieldChange[]): string | null {
    if (target.version === current.version) return `version ${target.version} is the configuration in force; there is nothing to revert`;
    if (target.node.role !== current.node.role) return `it would change node.role from "${current.node.role}" to "${target.node.role}"; a role change is made by hand, with a restart`;
    try {
      checkRestartOnly(target, current);
    } catch (err) {
      return `it would change a setting that needs a restart: ${(err as Error).message}`;
    }
    if (effective.mode() === 'centralized') {
      const taken = changes.filter((c) => CENTRALIZED_SECTIONS.some((section) => c.path.startsWith(section))).map((c) => c.path);
      if (taken.length > 0) return `this node is centralized: its mail settings come from its primary, and the revert would change ${taken.join(', ')}; revert on the primary, or run 'appliance-mail local' first`;
    }
    return null;
  }

  return {
    async plan(id) {
      return (await load(id)).plan;
    },
    async revert(id, expectedDigest, actor) {
      const { plan, text } = await load(id);
      if (plan.refused !== null || text === null) throw new AppError('AM_REVERT_REFUSED', `revert to #${id} refused: ${plan.refused}; nothing was written`);
      const expected = expectedDigest === '' ? plan.fileDigest : expectedDigest;
      audit.announceWrite(text, actor, id);
      const result = await writer.replace(expected, text);
      if (!result.ok) {
        const issues = result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
        const message = result.code === 'AM_CONFIG_CHANGED' ? `${config.current().file} changed since the revert was shown; nothing was written. Look at the history again.` : `${result.message}${issues ? ` (${issues})` : ''}`;
        throw new AppError(result.code, message);
      }
      await audit.settled();
      const [entry] = result.applied ? (await audit.history({})).filter((e) => e.revertOf === id && e.version === result.version) : [];
      return { version: result.version, applied: result.applied, entry: entry ?? null };
    },
  };
}
