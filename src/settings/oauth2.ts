/**
 * The OAuth2 part of the mail settings (mailServer.auth "oauth2"): where the SMTP client gets the
 * access tokens it presents with XOAUTH2. Kept beside the settings schema, which adds it as two
 * fields, so that every door (config file, wire, state, console) checks it with the same rules.
 */
import { z } from 'zod';
import { singleLine } from './fields.js';

/** How the mail server is authenticated: a password (AUTH PLAIN/LOGIN) or an OAuth2 token (XOAUTH2). */
export const mailAuthSchema = z.enum(['password', 'oauth2']);
export type MailAuth = z.output<typeof mailAuthSchema>;

/**
 * client_credentials: app-only, what a headless Appliance uses with Microsoft 365 (no interactive
 * login, nothing to rotate). refresh_token: a token from a one-time consent, rotated by the
 * provider on use (the current one lives in the state file).
 */
export const oauth2GrantSchema = z.enum(['client_credentials', 'refresh_token']);
export type OAuth2Grant = z.output<typeof oauth2GrantSchema>;

/** https only: the request carries the client secret or the refresh token. */
export const tokenUrlField = singleLine.superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (https://login.microsoftonline.com/TENANT/oauth2/v2.0/token)' });
    return;
  }
  if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an https:// URL: the request carries the client secret' });
  if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: 'must not hold credentials: use clientId and clientSecret' });
});

export const oauth2SettingsSchema = z
  .strictObject({
    tokenUrl: tokenUrlField,
    clientId: singleLine,
    clientSecret: singleLine.nullable(),
    /** Microsoft 365: https://outlook.office365.com/.default; Google: https://mail.google.com/. */
    scope: singleLine.nullable(),
    grant: oauth2GrantSchema,
    /** The refresh token the operator gave (refresh_token grant); the state holds its successors. */
    refreshToken: singleLine.nullable(),
  })
  .superRefine((s, ctx) => {
    if (s.grant === 'client_credentials' && s.clientSecret === null) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'is required with grant client_credentials' });
    }
    if (s.grant === 'refresh_token' && s.refreshToken === null) {
      ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'is required with grant refresh_token' });
    }
    if (s.grant === 'client_credentials' && s.refreshToken !== null) {
      ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'is only used with grant refresh_token' });
    }
  });
export type OAuth2Settings = Readonly<z.output<typeof oauth2SettingsSchema>>;

/** The token URL without its query (which is not ours to show), for messages. */
export function endpointName(tokenUrl: string): string {
  const url = new URL(tokenUrl);
  return `${url.origin}${url.pathname}`;
}

/**
 * The rules between auth and the other fields, over the file section and the resolved settings
 * alike (`oauth2` unset is undefined or null). XOAUTH2 is sent only after STARTTLS: a bearer token
 * in clear is as good as a password to whoever reads it, and no opt-in changes that.
 */
export function checkMailAuth(
  section: { auth?: MailAuth | undefined; oauth2?: unknown; username?: unknown; password?: unknown; tls: boolean },
  ctx: z.RefinementCtx,
): void {
  const set = (value: unknown) => value !== undefined && value !== null;
  if ((section.auth ?? 'password') === 'password') {
    if (set(section.oauth2)) ctx.addIssue({ code: 'custom', path: ['oauth2'], message: 'is only used with auth "oauth2"' });
    return;
  }
  if (!set(section.oauth2)) ctx.addIssue({ code: 'custom', path: ['oauth2'], message: 'is required with auth "oauth2"' });
  if (!set(section.username)) ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required with auth "oauth2": it is the mailbox the token sends as' });
  if (set(section.password)) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is not used with auth "oauth2" (the token replaces it): remove it' });
  if (!section.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'must be true with auth "oauth2": the token is sent only after STARTTLS' });
}
