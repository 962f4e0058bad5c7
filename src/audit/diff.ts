/**
 * A field-level diff of two settings objects, for the audit trail. Secrets are never copied:
 * each is reduced to a keyed hash (HMAC-SHA256 with a key only this daemon holds), so a diff can
 * say "changed" or "unchanged" while the trail cannot be used to test a guessed password — a
 * plain hash could be, by hashing candidates.
 */
import { createHmac } from 'node:crypto';
import { settingsCatalog } from '../config/catalog.js';

/** Paths (dotted, from the object's root) whose values are secrets: those the schema marks `secret`. */
export const SECRET_PATHS: ReadonlySet<string> = new Set(settingsCatalog().filter((entry) => entry.secret).map((entry) => entry.path));

/**
 * Parts of a config that are bookkeeping, not settings: never listed in a diff. `files` also holds
 * the plain sha256 of each file a setting names (a password file among them): in the trail it
 * would let a reader test guesses, so it is left out; the setting itself is diffed by keyed hash.
 */
const SKIPPED_PATHS: ReadonlySet<string> = new Set(['file', 'version', 'secretFiles', 'files']);

/** One changed field. For a secret, `before` and `after` are the words "set"/"unset" and `secret` is "changed". */
export interface FieldChange {
  path: string;
  before: string;
  after: string;
  secret?: 'changed';
}

/** A flat view of settings: dotted path → a printable value, or a keyed hash for secrets. */
export type FlatSettings = ReadonlyMap<string, string>;

const SECRET_MARK = 'hmac:';
const UNSET = '(not set)';

/** Flattens `value` under `prefix`; secrets become `hmac:<hex>` (or "(not set)"). */
export function flattenSettings(value: unknown, hmacKey: Buffer, prefix = ''): FlatSettings {
  const out = new Map<string, string>();
  walk(value, prefix, out, hmacKey);
  return out;
}

function walk(value: unknown, path: string, out: Map<string, string>, key: Buffer): void {
  if (SKIPPED_PATHS.has(path)) return;
  if (SECRET_PATHS.has(path)) {
    out.set(path, value === null || value === undefined || value === '' ? UNSET : `${SECRET_MARK}${createHmac('sha256', key).update(String(value)).digest('hex')}`);
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    // An empty section (oauth2: null after being set) still needs a row to show it went away.
    if (entries.length === 0 && path !== '') out.set(path, '{}');
    for (const [name, child] of entries) walk(child, path === '' ? name : `${path}.${name}`, out, key);
    return;
  }
  out.set(path, printable(value));
}

function printable(value: unknown): string {
  if (value === null || value === undefined) return UNSET;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The fields that differ between two flat views, in path order; secrets as "changed". */
export function diffSettings(before: FlatSettings, after: FlatSettings): FieldChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const was = before.get(path) ?? UNSET;
    const now = after.get(path) ?? UNSET;
    if (was === now) continue;
    if (isSecret(path, was, now)) changes.push({ path, before: was === UNSET ? 'unset' : 'set', after: now === UNSET ? 'unset' : 'set', secret: 'changed' });
    else changes.push({ path, before: was, after: now });
  }
  return changes;
}

/** A secret's path, or a value that carries a keyed hash: never printed, whatever its path. */
function isSecret(path: string, was: string, now: string): boolean {
  return SECRET_PATHS.has(path) || was.startsWith(SECRET_MARK) || now.startsWith(SECRET_MARK);
}
