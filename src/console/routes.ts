/** What every page module gets from the server: the domain API, the config file, the page context. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConfigIssue } from '../config/load.js';
import type { LiveConfig } from '../config/live-config.js';
import type { ControlApi } from '../control/api.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { ConfigFile } from './config-file.js';
import type { SafeHtml } from '../html/template.js';
import type { PageContext } from './layout.js';

export interface RouteDeps {
  /** The API as the request's signed-in user uses it: the audit trail names them for what it changes. */
  api(request: FastifyRequest): ControlApi;
  config: LiveConfig;
  effective: EffectiveSettings;
  configFile: ConfigFile;
  /** The signed-in user, a fresh CSRF token and the status: what every page shows. */
  context(request: FastifyRequest, reply: FastifyReply): Promise<PageContext>;
  /**
   * Ends an action (POST) the POST-redirect-GET way: `notice` is shown once by `path`, where the
   * browser is sent (303), so a refresh repeats nothing.
   */
  done(request: FastifyRequest, reply: FastifyReply, path: string, notice: SafeHtml): FastifyReply;
}

export type FormBody = Record<string, string | string[] | undefined>;

/** A form field's text ('' when absent); a repeated field counts by its first value. */
export function field(body: unknown, name: string): string {
  const value = (body as FormBody | undefined)?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? '') : '';
}

/** A checkbox: present means ticked. */
export function ticked(body: unknown, name: string): boolean {
  return field(body, name) !== '';
}

/** Splits a config validation's issues into those shown beside a form field and the rest. */
export function placeIssues(issues: readonly ConfigIssue[], fieldOf: Readonly<Record<string, string>>): { byField: Map<string, string>; other: string[] } {
  const byField = new Map<string, string>();
  const other: string[] = [];
  for (const issue of issues) {
    const name = Object.hasOwn(fieldOf, issue.path) ? fieldOf[issue.path] : undefined;
    if (name !== undefined) byField.set(name, byField.has(name) ? `${byField.get(name)}; ${issue.message}` : issue.message);
    else other.push(`${issue.path === '' ? '(file)' : issue.path}: ${issue.message}`);
  }
  return { byField, other };
}

export function sendPage(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply.code(statusCode).type('text/html; charset=utf-8').send(body);
}
