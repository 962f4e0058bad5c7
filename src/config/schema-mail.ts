/**
 * The config file's mailServer section, each field declared once with its words (setting.ts).
 * The cross-field rules are the settings' own (`checkMailServer`, `checkMailAuth`); the resolved
 * result is checked again by the settings schema once the files are read (see load.ts).
 */
import { z } from 'zod';
import { checkMailAuth, mailAuthSchema, oauth2GrantSchema, tokenUrlField } from '../settings/oauth2.js';
import { checkMailServer } from '../settings/schema.js';
import { SMTP_DEFAULT_PORT } from '../util/address.js';
import { emailField, hostPortField, nonEmpty, singleLine } from '../settings/fields.js';
import { setting } from './setting.js';

/** A file's path is no secret (its content is): the console shows and edits it. */
const secretFileHelp = (what: string, inline: string) =>
  `A file holding the ${what} on its one line (a trailing newline is ignored), instead of ${inline}; mode 0600, as every file holding a secret. Relative paths start at the config file's folder.`;

/**
 * The file's mailServer.oauth2 section: the client secret inline or in a file (as the password).
 * The grant's own rules are the settings' (oauth2SettingsSchema), checked once the file is read.
 */
const oauth2FileSchema = z
  .strictObject({
    tokenUrl: setting(tokenUrlField, {
      label: 'Token URL',
      help: "The identity provider's OAuth2 token endpoint (https only): Microsoft 365 https://login.microsoftonline.com/TENANT-ID/oauth2/v2.0/token, Google https://oauth2.googleapis.com/token.",
      federated: true,
    }),
    clientId: setting(singleLine, { label: 'Client ID', help: "The application's client id at the identity provider.", federated: true }),
    clientSecret: setting(singleLine.optional(), {
      label: 'Client secret',
      help: 'The application\'s client secret, inline (then the config file is 0600); or clientSecretFile.',
      secret: true,
      federated: true,
    }),
    clientSecretFile: setting(nonEmpty.optional(), { label: 'Client secret file', help: secretFileHelp('client secret', 'clientSecret'), federated: true }),
    scope: setting(singleLine.optional(), {
      label: 'Scope',
      help: 'What the token is asked for: Microsoft 365 https://outlook.office365.com/.default, Google https://mail.google.com/. Unset: the provider\'s default.',
      federated: true,
    }),
    grant: setting(oauth2GrantSchema, {
      label: 'Grant',
      help: 'client_credentials: app-only, nothing to rotate (Microsoft 365). refresh_token: a token from a one-time consent, rotated by the provider on use (Google).',
      federated: true,
      choices: { client_credentials: 'Client credentials (app-only; Microsoft 365)', refresh_token: 'Refresh token (from a one-time consent; Google)' },
    }),
    refreshToken: setting(singleLine.optional(), {
      label: 'Refresh token',
      help: 'With grant refresh_token: the token of the one-time consent. The state file holds its rotated successors.',
      secret: true,
      federated: true,
    }),
  })
  .superRefine((section, ctx) => {
    if (section.clientSecret !== undefined && section.clientSecretFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientSecretFile'], message: 'give clientSecret or clientSecretFile, not both' });
    }
  });

/**
 * The file's mailServer section: `server` as `host[:port]`, the password inline or in a file, the
 * CA as a file.
 */
export const mailServerSchema = z
  .strictObject({
    enabled: setting(z.boolean(), { label: 'Enable mail server', help: 'Off: no mail leaves this Appliance; what is queued waits until it is on again.', federated: true }),
    server: setting(hostPortField(SMTP_DEFAULT_PORT).optional(), {
      label: 'SMTP server',
      help: 'host or host:port (a DNS name or an IP address; IPv6 in brackets); port 25 when omitted. Required when the mail server is enabled.',
      federated: true,
      input: { placeholder: 'host or host:port' },
    }),
    sender: setting(emailField.optional(), {
      label: 'Sender email address',
      help: 'The From address of every message and the envelope sender. Required when the mail server is enabled.',
      federated: true,
      input: { type: 'email' },
    }),
    username: setting(singleLine.optional(), { label: 'Username', help: 'Only when the server requires authentication (AUTH). With OAuth2: the mailbox.', federated: true }),
    password: setting(singleLine.optional(), {
      label: 'Password',
      help: 'The SMTP password, inline (then the config file is 0600); or passwordFile. Needs a username.',
      secret: true,
      federated: true,
    }),
    passwordFile: setting(nonEmpty.optional(), { label: 'Password file', help: secretFileHelp('SMTP password', 'password'), federated: true }),
    tls: setting(z.boolean().default(true), {
      label: 'Enable TLS',
      help: 'On: STARTTLS is required; a server that does not offer it, or whose certificate does not verify, gets no mail (never implicit TLS, never a fall-back to plain text). Off: mail crosses the network unencrypted.',
      federated: true,
    }),
    allowPlaintextAuth: setting(z.boolean().default(false), {
      label: 'Allow AUTH without TLS',
      help: 'With tls off, AUTH would send the username and password in clear; this opt-in accepts that, and status warns while it is in use.',
      federated: true,
    }),
    caFile: setting(nonEmpty.optional(), {
      label: 'CA certificate file',
      help: "A PEM file of the private CA that signs the mail server's certificate; unset: the system's CAs. Relative paths start at the config file's folder.",
      federated: true,
    }),
    auth: setting(mailAuthSchema.default('password'), {
      label: 'Authentication',
      help: 'password: AUTH PLAIN/LOGIN with username and password. oauth2: XOAUTH2 with a token from the oauth2 section; the username is the mailbox, TLS is required.',
      federated: true,
      choices: { password: 'Username and password', oauth2: 'OAuth2 (Microsoft 365, Google)' },
    }),
    oauth2: oauth2FileSchema.optional(),
  })
  .superRefine((section, ctx) => {
    if (section.password !== undefined && section.passwordFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
    }
    const password = section.password ?? section.passwordFile;
    checkMailServer({ ...section, password }, ctx);
    checkMailAuth({ ...section, password }, ctx);
  });
