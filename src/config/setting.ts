/**
 * What a setting says about itself, carried on its zod field in one registry (zod 4's
 * `z.registry`): the words the documentation and the console use, whether it is a secret,
 * whether a change needs a restart, whether a centralized secondary takes it from its primary.
 * The console forms, the JSON Schema, the reference docs and the man page are made from it.
 */
import { z } from 'zod';

export interface SettingMeta {
  /** The documentation's words for it, as the console labels it ("SMTP server", "Enable TLS"). */
  label: string;
  /** One or two sentences an operator can act on: what it does, its format, its effect. */
  help: string;
  /** A value never shown, logged or sent back to a browser (only "set" or "not set"). */
  secret?: true;
  /** Read at start only: the daemon refuses a live change of it (or, for log.level, applies it at the next start). */
  restart?: true;
  /** Taken from the primary on a centralized secondary (and read-only there). */
  federated?: true;
  /** When the default is computed rather than a constant: the rule, in words. */
  defaultText?: string;
  /** For an enum: the words of each value, as a form offers them. */
  choices?: Readonly<Record<string, string>>;
  /** A form's input for it, when not plain text: an email address, or the placeholder that shows the format. */
  input?: { type?: 'email'; placeholder?: string };
}

/** Every setting's metadata, keyed by the zod field that declares it. */
export const settingsRegistry = z.registry<SettingMeta>();

/**
 * `schema` declared as a setting with `meta`. A clone is registered, so that a shared field rule
 * (`singleLine`, `nonEmpty`) used by several settings carries each one's own words.
 */
export function setting<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  const own = schema.clone() as T;
  settingsRegistry.add(own as z.ZodType, meta);
  return own;
}
