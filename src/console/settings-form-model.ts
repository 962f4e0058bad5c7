/**
 * A settings form's model (settings-form.ts): its fields, named and locked as the page shows them,
 * and their values as read from the config file, from the primary on a centralized secondary, or
 * from a POST. Pure: no request, no file access.
 */
import { settingAt, type SettingEntry } from '../config/catalog.js';
import type { ConfigIssue } from '../config/load.js';
import type { SafeHtml } from '../html/template.js';
import type { RawJson } from './config-file.js';
import { clearName } from './form-fields.js';
import { getAt } from './json-path.js';
import type { PageContext } from './layout.js';
import { field, ticked, type RouteDeps } from './routes.js';

export interface FormGroup {
  /** The fieldset's heading; none for the page's main fields. */
  legend?: string;
  /** Config keys, in the order shown. */
  keys: readonly string[];
  /**
   * The group applies only while each of these settings has this value: the script hides it
   * otherwise; without the script its heading says when it applies. A save writes its fields
   * only while it applies, and removes them from the file otherwise.
   */
  when?: ReadonlyArray<{ key: string; value: string }>;
}

export interface SettingsFormSpec {
  path: string;
  title: string;
  heading?: string;
  groups: readonly FormGroup[];
  /** A secret's key → the key of the file that may hold it instead (the one in use is named). */
  secretFiles?: Readonly<Record<string, string>>;
  /** Rules that need the file before the edit (kept-password.ts); their issues refuse the save. */
  check?(saved: RawJson, form: FormValues): readonly ConfigIssue[];
  /** On a centralized secondary: the values in force of the federated fields, secrets only as set. */
  effective(ctx: PageContext, deps: RouteDeps): { values: ReadonlyMap<string, string | boolean>; secretsSet: ReadonlySet<string> };
  /** Inside the form, after the fields (the Mail server page's test email). */
  extra?(ctx: PageContext, view: FormView): SafeHtml;
}

/** What a form holds, by config key: text, a tick, a typed secret; and the secrets to clear. */
export interface FormValues {
  values: ReadonlyMap<string, string | boolean>;
  cleared: ReadonlySet<string>;
  /** Text and choice fields the POST did not carry at all (a page from before an upgrade, a request made by hand). */
  missing: ReadonlySet<string>;
}

export interface FormView {
  values: ReadonlyMap<string, string | boolean>;
  secretsSet: ReadonlySet<string>;
  /** Which key holds each set secret in the file (password or passwordFile). */
  secretKeys?: ReadonlyMap<string, string>;
  digest: string;
  errors?: ReadonlyMap<string, string>;
  notices?: SafeHtml[];
}

/** The values a view shows, before its digest, errors and notices. */
export type ShownValues = Pick<FormView, 'values' | 'secretsSet' | 'secretKeys'>;

export interface Field {
  entry: SettingEntry;
  name: string;
}

export interface FormFields {
  /** By config key. */
  byKey: ReadonlyMap<string, Field>;
  all: readonly Field[];
  /** Config key → field name, for placing a validation's issues. */
  fieldOf: Readonly<Record<string, string>>;
  /** Shown disabled: a federated field on a centralized secondary. */
  locked(ctx: PageContext, f: Field): boolean;
  allLocked(ctx: PageContext): boolean;
}

const centralized = (ctx: PageContext) => ctx.status.mode === 'centralized';

export function formFields(spec: SettingsFormSpec): FormFields {
  // A field is named by its key's last word (`server`), or by its whole key where that is shared (`metrics-listen`).
  const keys = spec.groups.flatMap((g) => g.keys);
  const lastWord = (key: string) => key.slice(key.lastIndexOf('.') + 1);
  const byKey = new Map<string, Field>(
    keys.map((key) => [key, { entry: settingAt(key), name: keys.filter((k) => lastWord(k) === lastWord(key)).length > 1 ? key.replaceAll('.', '-') : lastWord(key) }]),
  );
  const all = [...byKey.values()];
  const locked = (ctx: PageContext, f: Field) => centralized(ctx) && f.entry.federated;
  return { byKey, all, fieldOf: Object.fromEntries(all.map((f) => [f.entry.path, f.name])), locked, allLocked: (ctx) => all.every((f) => locked(ctx, f)) };
}

/** The file's values as the fields show them; a secret only as set, with the key that holds it. */
export function valuesFromFile(fields: FormFields, spec: SettingsFormSpec, json: RawJson): ShownValues {
  const values = new Map<string, string | boolean>();
  const secretsSet = new Set<string>();
  const secretKeys = new Map<string, string>();
  for (const { entry } of fields.all) {
    const raw = getAt(json, entry.path);
    if (entry.secret) {
      const fileKey = spec.secretFiles?.[entry.path];
      const inUse = raw !== undefined ? entry.path : fileKey !== undefined && getAt(json, fileKey) !== undefined ? fileKey : null;
      if (inUse !== null) {
        secretsSet.add(entry.path);
        secretKeys.set(entry.path, inUse);
      }
    } else values.set(entry.path, shown(entry, raw));
  }
  return { values, secretsSet, secretKeys };
}

/** On a centralized secondary, the federated fields' values are the primary's. */
export function overlayPrimary(fields: FormFields, spec: SettingsFormSpec, deps: RouteDeps, ctx: PageContext, view: ShownValues): ShownValues {
  if (!centralized(ctx)) return view;
  const effective = spec.effective(ctx, deps);
  const values = new Map(view.values);
  const secretsSet = new Set(view.secretsSet);
  for (const f of fields.all.filter((x) => x.entry.federated)) {
    values.set(f.entry.path, effective.values.get(f.entry.path) ?? (f.entry.type === 'boolean' ? false : ''));
    if (effective.secretsSet.has(f.entry.path)) secretsSet.add(f.entry.path);
    else secretsSet.delete(f.entry.path);
  }
  return { values, secretsSet, secretKeys: new Map<string, string>() };
}

/** What a POST holds, by config key. */
export function valuesFromBody(fields: FormFields, body: unknown): FormValues {
  const values = new Map<string, string | boolean>();
  const cleared = new Set<string>();
  const missing = new Set<string>();
  for (const { entry, name } of fields.all) {
    if (entry.type !== 'boolean' && !entry.secret && !hasField(body, name)) missing.add(entry.path);
    if (entry.type === 'boolean') values.set(entry.path, ticked(body, name));
    else if (entry.secret) values.set(entry.path, field(body, name));
    else values.set(entry.path, field(body, name).trim() || (entry.choices.length > 0 && entry.default !== undefined ? String(entry.default) : ''));
    if (entry.secret && ticked(body, clearName(name))) cleared.add(entry.path);
  }
  return { values, cleared, missing };
}

/** A POST that would change a locked field (or any, when all are locked): refused whole. */
export function touchesLocked(fields: FormFields, ctx: PageContext, body: unknown): boolean {
  return fields.all.some((f) => fields.locked(ctx, f) && (hasField(body, f.name) || hasField(body, clearName(f.name)))) || fields.allLocked(ctx);
}

const hasField = (body: unknown, name: string) => body !== null && typeof body === 'object' && Object.hasOwn(body, name);

/** A setting's value in the file as its field shows it; its default when absent. */
export function shown(entry: SettingEntry, raw: unknown): string | boolean {
  if (entry.type === 'boolean') return typeof raw === 'boolean' ? raw : entry.default === true;
  if (Array.isArray(raw)) return raw.filter((v) => typeof v === 'string').join(', ');
  if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
  return entry.choices.length > 0 ? String(entry.default ?? entry.choices[0]![0]) : '';
}
