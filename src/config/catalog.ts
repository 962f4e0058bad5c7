/**
 * Every setting of the config file, read from the one schema: its path, type, default and the
 * words its field carries (setting.ts). Pure: the reference docs, the man page, the JSON Schema
 * for editors and the console forms are all made from this, so none of them can drift.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import { settingsRegistry, type SettingMeta } from './setting.js';

export interface SettingEntry {
  /** Dotted path in the file, as `mailServer.server`. */
  path: string;
  /** In words: `string`, `boolean`, `integer`, `"a" | "b"`, `string or array of strings`. */
  type: string;
  /** zod's default, as the file would hold it; undefined when there is none. */
  default: unknown;
  /** The computed default's rule, or "unset", when there is no constant default. */
  defaultText: string;
  /** Must be in the file (no default, not optional). */
  required: boolean;
  label: string;
  help: string;
  secret: boolean;
  /** "restart": read at start only; "live": applied when the file changes. */
  apply: 'live' | 'restart';
  /** Taken from the primary on a centralized secondary. */
  federated: boolean;
  /** An enum's values with their words, in the schema's order. */
  choices: ReadonlyArray<readonly [string, string]>;
  input: NonNullable<SettingMeta['input']>;
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; defaultValue?: unknown };
const defOf = (schema: z.ZodType) => schema._zod.def as unknown as Def;

/** Wrappers that do not change what a setting is: optional, default, nullable. */
const WRAPPERS = new Set(['optional', 'default', 'nullable', 'prefault']);

function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; default: unknown } {
  let inner = schema;
  let optional = false;
  let dflt: unknown;
  while (WRAPPERS.has(defOf(inner).type)) {
    const def = defOf(inner);
    if (def.type === 'default' && dflt === undefined) dflt = def.defaultValue;
    if (def.type !== 'nullable') optional = true;
    inner = def.innerType!;
  }
  return { inner, optional, default: dflt };
}

/** Every setting, in the schema's order. Fields without metadata ($schema) are not settings. */
export function settingsCatalog(): SettingEntry[] {
  const entries: SettingEntry[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, field] of Object.entries(shape)) {
      const path = `${prefix}${key}`;
      const meta = settingsRegistry.get(field);
      const { inner, optional, default: dflt } = unwrap(field);
      if (meta === undefined) {
        if (defOf(inner).type === 'object') walk(defOf(inner).shape!, `${path}.`);
        continue;
      }
      const json = z.toJSONSchema(inner, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const values = json.enum?.map(String) ?? [];
      entries.push({
        path,
        type: typeText(json),
        default: dflt,
        defaultText: meta.defaultText ?? (dflt === undefined ? 'unset' : JSON.stringify(dflt)),
        required: !optional,
        label: meta.label,
        help: meta.help,
        secret: meta.secret === true,
        apply: meta.restart ? 'restart' : 'live',
        federated: meta.federated === true,
        choices: values.map((value) => [value, meta.choices?.[value] ?? value] as const),
        input: meta.input ?? {},
      });
    }
  };
  walk(defOf(configSchema).shape!, '');
  return entries;
}

/** One setting by its path; throws for a path that is none (a form naming a key that does not exist). */
export function settingAt(path: string): SettingEntry {
  const entry = settingsCatalog().find((e) => e.path === path);
  if (entry === undefined) throw new Error(`no setting ${path} in the config schema`);
  return entry;
}

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  [key: string]: unknown;
}

function typeText(json: JsonSchema): string {
  if (json.enum) return json.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (json.anyOf) return json.anyOf.map(typeText).join(' or ');
  if (json.type === 'array') return `array of ${typeText(json.items ?? {})}s`;
  return json.type ?? 'any';
}

/**
 * The config file's JSON Schema (draft 2020-12), for editors: each setting's label as `title`,
 * its help as `description`, secrets `writeOnly`, and `x-restart` / `x-federated` as in the docs.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override(ctx) {
      const meta = settingsRegistry.get(ctx.zodSchema as unknown as z.ZodType);
      if (meta === undefined) return;
      const target = ctx.jsonSchema as Record<string, unknown>;
      target['title'] = meta.label;
      target['description'] = meta.defaultText ? `${meta.help} Default: ${meta.defaultText}.` : meta.help;
      if (meta.secret) target['writeOnly'] = true;
      if (meta.restart) target['x-restart'] = true;
      if (meta.federated) target['x-federated'] = true;
    },
  }) as Record<string, unknown>;
  return { ...schema, title: 'appliance-mail config file' };
}
