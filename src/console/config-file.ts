/**
 * "Save changes" = the config file. A save reads the file, applies the form's edit to its JSON,
 * validates the result with the config's one validator (parseConfig), refuses it when the file
 * changed since the form was loaded, writes it atomically with its mode and owner, and waits
 * for the live reload to apply it — the same path as any edit of the file.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { LiveConfig } from '../config/live-config.js';
import { parseConfig, type Config, type ConfigIssue } from '../config/load.js';
import { AppError, toAppError } from '../errors/registry.js';
import { writeFileDurably } from '../util/durable-file.js';
import type { Actor } from '../audit/entry.js';

/** The live reload applies an edit in 5-10 ms; past this the page says "written, not yet applied". */
const APPLY_WAIT_MS = 5_000;

export type RawJson = Record<string, unknown>;

export interface ConfigFileView {
  /** sha256 of the file's bytes: the form carries it back, a save compares it. */
  digest: string;
  json: RawJson;
}

export type SaveResult =
  | { ok: true; version: string; applied: boolean }
  | { ok: false; code: 'AM_CONFIG_INVALID' | 'AM_CONFIG_CHANGED'; message: string; issues: ConfigIssue[] };

/**
 * A page's change to the file's JSON. It may return issues of its own (a rule that needs the
 * values before the edit, such as when the saved password may be kept): they refuse the edit
 * like the validator's, and are checked against the very bytes a save would replace.
 */
export type FileEdit = (json: RawJson) => void | readonly ConfigIssue[];

export interface ConfigFile {
  read(): Promise<ConfigFileView>;
  /** Validates the file with `edit` applied, without writing: the candidate config, or its issues. */
  candidate(view: ConfigFileView, edit: FileEdit): { config: Config; text: string } | { issues: ConfigIssue[] };
  /** Writes the file with `edit` applied; the trail names `actor` for the reload that follows. */
  save(expectedDigest: string, edit: FileEdit, actor: Actor): Promise<SaveResult>;
  /** Writes `text` byte for byte (a revert to a kept configuration), with the same checks as a save. */
  replace(expectedDigest: string, text: string): Promise<SaveResult>;
}

export interface ConfigFileHooks {
  /** Called with the bytes a save is about to write and who saves (the audit trail attributes the reload to them). */
  beforeWrite?(text: string, actor: Actor): void;
}

export function createConfigFile(config: LiveConfig, hooks: ConfigFileHooks = {}): ConfigFile {
  const file = () => config.current().file;
  let saving: Promise<unknown> = Promise.resolve();

  async function read(): Promise<ConfigFileView> {
    const text = await readFile(file(), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      // The form cannot be built from a file that is not a JSON object; the operator's editor can.
      throw new AppError('AM_CONFIG_INVALID', `${file()} is not a JSON object; fix it in an editor (the config in force stays)`);
    }
    return { digest: digestOf(text), json: json as RawJson };
  }

  function candidate(view: ConfigFileView, edit: FileEdit): { config: Config; text: string } | { issues: ConfigIssue[] } {
    const json = structuredClone(view.json);
    const refused = edit(json) ?? [];
    const checked = whole(`${JSON.stringify(json, null, 2)}\n`);
    if ('issues' in checked) return { issues: [...checked.issues, ...refused] };
    return refused.length > 0 ? { issues: [...refused] } : checked;
  }

  /** Writes `next` unless the file's bytes (`actualDigest`) are no longer those the caller saw. */
  async function write(expectedDigest: string, actualDigest: string, next: ReturnType<ConfigFile['candidate']>, announceFor: Actor | null): Promise<SaveResult> {
    if (actualDigest !== expectedDigest) {
      return { ok: false, code: 'AM_CONFIG_CHANGED', message: `${file()} changed since this form was loaded; nothing was saved. The form now shows the file's current values.`, issues: [] };
    }
    if ('issues' in next) return { ok: false, code: 'AM_CONFIG_INVALID', message: 'nothing was saved: correct the fields marked below', issues: next.issues };
    const info = await stat(file());
    const applied = waitForVersion(next.config.version);
    if (announceFor) hooks.beforeWrite?.(next.text, announceFor);
    await writeFileDurably(file(), next.text, info.mode & 0o777, { uid: info.uid, gid: info.gid });
    // Bytes equal to the config in force cause no reload: it is already applied.
    wakeWaiters();
    return { ok: true, version: next.config.version, applied: await applied };
  }

  /** Resolves true once the config of this version is in force, false after APPLY_WAIT_MS. */
  function waitForVersion(version: string): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (applied: boolean) => {
        waiters.delete(check);
        clearTimeout(timer);
        resolve(applied);
      };
      const check = () => {
        if (config.current().version === version) done(true);
      };
      const timer = setTimeout(() => done(false), APPLY_WAIT_MS);
      waiters.add(check);
    });
  }
  // One listener for the process' life; each waiting save checks on every applied config.
  const waiters = new Set<() => void>();
  const wakeWaiters = () => {
    for (const check of [...waiters]) check();
  };
  config.onChange(wakeWaiters);

  /** One write at a time: the second compares against the file the first wrote. */
  function serially(task: () => Promise<SaveResult>): Promise<SaveResult> {
    const run = saving.then(task);
    saving = run.catch(() => undefined);
    return run;
  }

  /** The config of `text`, or the validator's issues. */
  function whole(text: string): ReturnType<ConfigFile['candidate']> {
    try {
      return { config: parseConfig(text, file()), text };
    } catch (err) {
      const appError = toAppError(err, 'AM_CONFIG_INVALID');
      return { issues: (appError.details['issues'] as ConfigIssue[] | undefined) ?? [{ path: '', message: appError.message }] };
    }
  }

  return {
    read,
    candidate,
    save(expectedDigest, edit, actor) {
      return serially(async () => {
        const view = await read();
        return write(expectedDigest, view.digest, candidate(view, edit), actor);
      });
    },
    replace(expectedDigest, text) {
      // The file may be broken (the reason to go back): only its bytes are compared. The caller
      // announces the write itself (a revert names the entry it goes back to).
      return serially(async () => write(expectedDigest, digestOf(await readFile(file(), 'utf8').catch(() => '')), whole(text), null));
    },
  };
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
