/**
 * A settings form's change to the config file's JSON (settings-form.ts saves it through
 * config-file.ts): each field that applies and is not locked is written, a group that does not
 * apply is removed, and a secret is kept, typed anew, cleared, or left to the file that holds it.
 */
import { settingAt, type SettingEntry } from '../config/catalog.js';
import type { FileEdit, RawJson } from './config-file.js';
import { deleteAt, getAt, setAt } from './json-path.js';
import type { PageContext } from './layout.js';
import { shown, type Field, type FormFields, type FormGroup, type FormValues, type SettingsFormSpec } from './settings-form-model.js';

export function formEdit(spec: SettingsFormSpec, fields: FormFields, ctx: PageContext, form: FormValues): FileEdit {
  return (json) => {
    // A field not sent at all would read as emptied and remove its key: refused whole instead. (A
    // checkbox cannot tell: HTML sends an unticked one as nothing.)
    const notSent = spec.groups.flatMap((g) => g.keys).filter((key) => form.missing.has(key) && !fields.locked(ctx, fields.byKey.get(key)!));
    if (notSent.length > 0) return notSent.map((path) => ({ path, message: 'was not sent with the form; nothing was saved: reload the page and save again' }));
    const issues = spec.check?.(structuredClone(json), form) ?? [];
    const savedText = (key: string) => shown(settingAt(key), getAt(json, key));
    const untouchedFiles = new Set(Object.values(spec.secretFiles ?? {}).filter((key) => form.values.get(key) === savedText(key)));
    const secrets: Field[] = [];
    for (const group of spec.groups) {
      for (const key of group.keys) {
        const f = fields.byKey.get(key)!;
        if (fields.locked(ctx, f)) continue;
        if (!applies(group, form)) deleteAt(json, key);
        else if (f.entry.secret) secrets.push(f);
        else writeValue(json, f.entry, form.values.get(key)!);
      }
    }
    // After the files' paths: a typed secret replaces an untouched file, a new file an untyped secret.
    for (const { entry } of secrets) writeSecret(json, entry.path, spec.secretFiles?.[entry.path], form, untouchedFiles);
    return issues;
  };
}

const applies = (group: FormGroup, form: FormValues) => (group.when ?? []).every((c) => form.values.get(c.key) === c.value);

/** Cleared: the secret and its file go; typed: it replaces an untouched file; untyped: a new file replaces it. */
function writeSecret(json: RawJson, key: string, fileKey: string | undefined, form: FormValues, untouchedFiles: ReadonlySet<string>): void {
  const typed = form.values.get(key) as string;
  if (form.cleared.has(key)) {
    deleteAt(json, key);
    if (fileKey !== undefined) deleteAt(json, fileKey);
  } else if (typed !== '') {
    setAt(json, key, typed);
    if (fileKey !== undefined && untouchedFiles.has(fileKey)) deleteAt(json, fileKey);
  } else if (fileKey !== undefined && !untouchedFiles.has(fileKey) && getAt(json, fileKey) !== undefined) {
    deleteAt(json, key);
  }
}

/**
 * A field's value into the file: empty text removes the key (the schema's "not given"); a tick
 * or a choice equal to the default is not added to a file that left it out.
 */
function writeValue(json: RawJson, entry: SettingEntry, value: string | boolean): void {
  if (typeof value === 'boolean' || entry.choices.length > 0) {
    if (value === entry.default && getAt(json, entry.path) === undefined) return;
    setAt(json, entry.path, value);
  } else if (value === '') deleteAt(json, entry.path);
  else setAt(json, entry.path, entry.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value);
}
