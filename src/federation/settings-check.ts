/**
 * The last check of a settings version against the mail server (connect, EHLO, STARTTLS, AUTH),
 * kept by the node that ran it so that its own status shows it: a centralized secondary checks
 * what the primary sent (and reports it there too), the primary checks its own settings whenever
 * they change. Without it, a secondary whose settings fail from its network says so only on the
 * primary's `nodes`.
 */
import type { MailServerSettings } from '../settings/schema.js';

/**
 * Connects to the mail server with `settings` (EHLO, STARTTLS, AUTH) without sending mail; null
 * when they work, else the reason in words. The relay provides it (the daemon wires it in), so the
 * federation does not reach into the relay's transport.
 */
export type VerifySettings = (settings: MailServerSettings) => Promise<string | null>;

export interface SettingsCheck {
  /** The federated settings version checked. */
  version: number;
  /** ok; failed (`error` says where); disabled: mail is off, nothing to check. */
  outcome: 'ok' | 'failed' | 'disabled';
  error: string | null;
  /** RFC 3339, when the check ended. */
  at: string;
}

export interface SettingsChecks {
  /** Checks `settings` as `version`; resolves with the result once it is recorded. */
  check(version: number, settings: MailServerSettings): Promise<SettingsCheck>;
  last(): SettingsCheck | null;
  /** Forgets the last result (the settings it was about are no longer used). */
  clear(): void;
}

export function createSettingsChecks(verifySettings: VerifySettings): SettingsChecks {
  let last: SettingsCheck | null = null;
  let generation = 0;
  return {
    async check(version, settings) {
      const mine = generation;
      const error = settings.enabled ? await verifySettings(settings) : null;
      const result: SettingsCheck = {
        version,
        outcome: !settings.enabled ? 'disabled' : error === null ? 'ok' : 'failed',
        error,
        at: new Date().toISOString(),
      };
      // Checks overlap when versions follow quickly: an older one ending last does not win, and
      // one that ends after clear() is about settings no longer in use.
      if (mine === generation && (last === null || version >= last.version)) last = result;
      return result;
    },
    last: () => last,
    clear() {
      generation += 1;
      last = null;
    },
  };
}
