/**
 * The mail settings: one schema for what the relay uses, whatever their source. The config file
 * (after its `host:port`, passwordFile and caFile are resolved), the settings from the primary
 * (after the wire codec), the state file and status all go through it; the config file's own
 * schema applies the same cross-field rules (`checkMailServer`) to what the operator typed, so a
 * value is refused in the same words from a file and from the wire.
 */
import { z } from 'zod';
import { hostProblem, portProblem, splitRecipients } from '../util/address.js';
import { checkRecipients, emailField, pemCertificateField, portalAddressField, singleLine } from './fields.js';
import { AppError } from '../errors/registry.js';
import { checkMailAuth, mailAuthSchema, oauth2SettingsSchema } from './oauth2.js';

/**
 * The cross-field rules, over what both the file section and the resolved settings have (a field
 * null or undefined is unset). Issues name the operator's fields (`server`, `sender`,
 * `username`), as the file does.
 */
export function checkMailServer(
  section: { enabled: boolean; server?: unknown; sender?: unknown; username?: unknown; password?: unknown; tls: boolean; allowPlaintextAuth: boolean },
  ctx: z.RefinementCtx,
): void {
  const set = (value: unknown) => value !== undefined && value !== null;
  if (set(section.password) && !set(section.username)) {
    ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required when a password is set' });
  }
  if (section.enabled) {
    if (!set(section.server)) ctx.addIssue({ code: 'custom', path: ['server'], message: 'is required when the mail server is enabled' });
    if (!set(section.sender)) ctx.addIssue({ code: 'custom', path: ['sender'], message: 'is required when the mail server is enabled' });
  }
  // AUTH sends the username and password (base64, not encrypted): without STARTTLS anyone on
  // the path reads them. Only an explicit, clearly named opt-in allows that.
  if (set(section.username) && !section.tls && !section.allowPlaintextAuth) {
    ctx.addIssue({
      code: 'custom',
      path: ['username'],
      message: 'with tls false, AUTH would send the username and password in clear: set tls true, or allowPlaintextAuth true to accept that',
    });
  }
}

export const mailServerSettingsSchema = z
  .strictObject({
    enabled: z.boolean(),
    host: z.string().nullable(),
    port: z.number().nullable(),
    sender: emailField.nullable(),
    username: singleLine.nullable(),
    password: singleLine.nullable(),
    /** true: STARTTLS is required; never implicit TLS, never a plain-text fall-back. */
    tls: z.boolean(),
    /** The operator's opt-in to AUTH without TLS; a status warning stays while it is on. */
    allowPlaintextAuth: z.boolean().default(false),
    /** PEM of a private CA that signs the mail server's certificate, if any. */
    caPem: pemCertificateField.nullable(),
    /** "password" (AUTH PLAIN/LOGIN) or "oauth2" (XOAUTH2 with a token from `oauth2`). */
    auth: mailAuthSchema.default('password'),
    oauth2: oauth2SettingsSchema.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    // Host and port are one field, `server`, for the operator: problems are named so.
    if (s.host !== null) {
      const problem = hostProblem(s.host) ?? (s.port === null ? 'a port is required, as host:port' : portProblem(s.port));
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['server'], message: problem });
    } else if (s.port !== null) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'a port without a host' });
    }
    checkMailServer({ ...s, server: s.host }, ctx);
    checkMailAuth(s, ctx);
  });

export type MailServerSettings = Readonly<z.output<typeof mailServerSettingsSchema>>;

/**
 * Settings the primary federates: its mail server, the notification recipients and the address
 * of the Portal (which lives on the primary: a centralized node's digests link to it). The
 * Portal address defaults to unset so that settings stored before it was federated still load.
 */
export const federatedSettingsSchema = z.strictObject({
  mailServer: mailServerSettingsSchema,
  recipients: z
    .array(z.string())
    .superRefine(checkRecipients)
    .transform((list) => splitRecipients(list).valid),
  portalAddress: portalAddressField.nullable().default(null),
});
export type FederatedSettings = z.output<typeof federatedSettingsSchema>;

export interface SettingsIssue {
  /** Dotted path, as `mailServer.server` or `recipients`. */
  path: string;
  message: string;
}

/** The settings when they pass every rule, else every problem with its field. */
export function checkFederatedSettings(value: unknown): { settings: FederatedSettings } | { issues: SettingsIssue[] } {
  const result = federatedSettingsSchema.safeParse(value);
  if (result.success) return { settings: result.data };
  return { issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) };
}

export function formatIssues(issues: readonly SettingsIssue[]): string {
  return issues.map((issue) => `${issue.path === '' ? '(file)' : issue.path}: ${issue.message}`).join('; ');
}

/** Whose mail settings a secondary uses: the primary's (centralized) or its own (local). */
export const federationModeSchema = z.enum(['centralized', 'local']);
export type FederationMode = z.output<typeof federationModeSchema>;

export function parseFederationMode(value: string): FederationMode {
  const result = federationModeSchema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError('AM_INVALID_ARGUMENT', `mode must be centralized or local, not '${value.slice(0, 40)}'`);
}
