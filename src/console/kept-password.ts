/**
 * When the Mail server form may keep the saved SMTP password. The password is never sent to the
 * browser, so an empty Password field means "keep it"; but kept for another destination, the
 * saved secret would go to whatever server the form names (a SEND, or the next delivery after a
 * save). So it is kept only for the destination it was saved for: the same host, port, TLS and
 * username. Any other destination needs the password typed again.
 */
import { parseMailServer } from '../util/address.js';
import type { ConfigIssue } from '../config/load.js';
import type { RawJson } from './config-file.js';

export const RETYPE_PASSWORD = 'type the password again: the server or username changed';

/** What the saved password is bound to, as the form edits it. */
export interface Destination {
  server: string;
  username: string;
  tls: boolean;
}

/**
 * The issue to show beside the Password field when the form keeps the saved password (empty
 * field, not cleared) for a destination other than the saved one; none otherwise.
 * `saved` is the file's `mailServer` section before the form's edit.
 */
export function keptPasswordIssues(saved: RawJson, form: Destination & { password: string; clearPassword: boolean }): ConfigIssue[] {
  const passwordSaved = saved['password'] !== undefined || saved['passwordFile'] !== undefined;
  if (!passwordSaved || form.password !== '' || form.clearPassword) return [];
  return sameDestination(savedDestination(saved), form) ? [] : [{ path: 'mailServer.password', message: RETYPE_PASSWORD }];
}

/** The OAuth2 part of the form that decides where the saved client secret and refresh token go. */
export interface OAuth2Form {
  auth: 'password' | 'oauth2';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clearClientSecret: boolean;
  refreshToken: string;
  clearRefreshToken: boolean;
}

/**
 * The same rule for the OAuth2 secrets: the client secret and refresh token go to the token
 * endpoint, and the tokens they buy go to the mail server, so they are kept only while the
 * token URL, the client id and the mail server's destination all stay as saved.
 */
export function keptOAuth2Issues(saved: RawJson, form: Destination & OAuth2Form): ConfigIssue[] {
  if (form.auth !== 'oauth2') return [];
  const o = typeof saved['oauth2'] === 'object' && saved['oauth2'] !== null ? (saved['oauth2'] as RawJson) : {};
  const same = saved['auth'] === 'oauth2' && o['tokenUrl'] === form.tokenUrl && o['clientId'] === form.clientId && sameDestination(savedDestination(saved), form);
  if (same) return [];
  const issues: ConfigIssue[] = [];
  const kept = (value: string, cleared: boolean, ...keys: string[]) => value === '' && !cleared && keys.some((key) => o[key] !== undefined);
  if (kept(form.clientSecret, form.clearClientSecret, 'clientSecret', 'clientSecretFile')) {
    issues.push({ path: 'mailServer.oauth2.clientSecret', message: RETYPE_OAUTH2 });
  }
  if (kept(form.refreshToken, form.clearRefreshToken, 'refreshToken')) issues.push({ path: 'mailServer.oauth2.refreshToken', message: RETYPE_OAUTH2 });
  return issues;
}

export const RETYPE_OAUTH2 = 'type it again: the token URL, client id, server or username changed';

/** The file's values as the config reads them (tls defaults to true); null for a value of another type. */
function savedDestination(saved: RawJson): Destination | null {
  const server = saved['server'] ?? '';
  const username = saved['username'] ?? '';
  const tls = saved['tls'] ?? true;
  if (typeof server !== 'string' || typeof username !== 'string' || typeof tls !== 'boolean') return null;
  return { server, username, tls };
}

/** Host and port compared as the relay connects (`host` = `host:25`; host names case-blind). */
function sameDestination(saved: Destination | null, next: Destination): boolean {
  if (saved === null || saved.username !== next.username || saved.tls !== next.tls) return false;
  const a = parseMailServer(saved.server);
  const b = parseMailServer(next.server);
  if ('error' in a || 'error' in b) return saved.server === next.server;
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}
