/**
 * Pages of one setting each: APPLIANCE → Accounts → Notifications (the recipients, federated:
 * read-only where centralized) and PORTAL → General → Portal address (federated too: the Portal
 * lives on the primary, so a centralized Appliance links its digests to the primary's).
 * Same save path as the Mail server page: the config file, validated, raced, applied.
 */
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../../html/template.js';
import { section, setOrDelete, type RawJson } from '../config-file.js';
import { banner, csrfField, page, textField, when, type PageContext } from '../layout.js';
import { field, placeIssues, sendPage, type RouteDeps } from '../routes.js';
import { savedNotice } from './mail-server.js';

interface OneField {
  path: string;
  title: string;
  heading: string;
  label: string;
  configKey: string;
  hint: string;
  /** True when a centralized secondary takes this setting from its primary. */
  federated: boolean;
  read(json: RawJson): string;
  write(json: RawJson, value: string): void;
  /** The value in force on a centralized secondary (the primary's). */
  effective(deps: RouteDeps): string;
}

const PAGES: OneField[] = [
  {
    path: '/appliance/accounts',
    title: 'Accounts',
    heading: 'Notifications',
    label: 'Notification recipients',
    configKey: 'notifications.recipients',
    hint: 'comma separated; they receive the Appliance notifications and test emails',
    federated: true,
    read: (json) => {
      const value = (json['notifications'] as RawJson | undefined)?.['recipients'];
      return Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(', ') : typeof value === 'string' ? value : '';
    },
    write: (json, value) => {
      section(json, 'notifications')['recipients'] = value;
    },
    effective: (deps) => deps.effective.current().recipients.join(', '),
  },
  {
    path: '/portal/general',
    title: 'General',
    heading: 'Portal',
    label: 'Portal address',
    configKey: 'portal.address',
    hint: 'DNS name or IP, optional https:// and :port; digests link to it',
    federated: true,
    read: (json) => {
      const value = (json['portal'] as RawJson | undefined)?.['address'];
      return typeof value === 'string' ? value : '';
    },
    write: (json, value) => setOrDelete(section(json, 'portal'), 'address', value),
    effective: (deps) => deps.effective.current().portalAddress ?? '',
  },
];

export function registerOneFieldPages(app: FastifyInstance, deps: RouteDeps): void {
  for (const spec of PAGES) registerPage(app, deps, spec);
}

function registerPage(app: FastifyInstance, deps: RouteDeps, spec: OneField): void {
  const readOnly = (ctx: PageContext): SafeHtml | null =>
    spec.federated && ctx.status.mode === 'centralized'
      ? banner(
          'info',
          html`<strong>Read-only: this Appliance is centralized.</strong> ${spec.label}: from the primary <code>${ctx.status.secondary?.primary ?? 'unknown'}</code>, version ${ctx.status.secondary?.appliedVersion ?? 0}, applied ${when(ctx.status.secondary?.appliedAt)}. Change this on the primary, or switch this Appliance to local settings on the <a href="/federation">Federation</a> page.`,
        )
      : null;

  const render = (ctx: PageContext, view: { value: string; digest: string; error?: string; notices?: SafeHtml[] }) => {
    const locked = readOnly(ctx);
    return page(
      ctx,
      spec.title,
      html`${locked ?? html``}${view.notices ?? []}<h2>${spec.heading}</h2>
<form method="post" action="${spec.path}" class="settings" novalidate>${csrfField(ctx.csrf)}<input type="hidden" name="version" value="${view.digest}">
<fieldset${locked ? html` disabled` : html``}>${textField({ label: spec.label, configKey: spec.configKey, name: 'value', value: view.value, error: view.error, disabled: locked !== null, hint: spec.hint })}</fieldset>
${locked ? html`` : html`<div class="actions"><button type="submit" class="primary">Save changes</button></div>`}
</form>`,
    );
  };

  const current = async (ctx: PageContext) => {
    if (readOnly(ctx)) return { value: spec.effective(deps), digest: '' };
    const file = await deps.configFile.read();
    return { value: spec.read(file.json), digest: file.digest };
  };

  app.get(spec.path, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const view = await current(ctx);
    const saved = (request.query as Record<string, string | undefined>)['saved'];
    return sendPage(reply, 200, render(ctx, saved !== undefined && !readOnly(ctx) ? { ...view, notices: [savedNotice(deps, saved)] } : view));
  });

  app.post(spec.path, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    if (readOnly(ctx)) {
      return sendPage(reply, 403, render(ctx, { ...(await current(ctx)), notices: [banner('error', html`Refused: ${spec.label} of a centralized Appliance come from its primary; nothing was saved. [AM_READ_ONLY]`)] }));
    }
    const value = field(request.body, 'value').trim();
    const result = await deps.configFile.save(field(request.body, 'version'), (json) => spec.write(json, value));
    if (result.ok) return reply.redirect(`${spec.path}?saved=${encodeURIComponent(result.version)}`, 303);
    if (result.code === 'AM_CONFIG_CHANGED') {
      return sendPage(reply, 409, render(ctx, { ...(await current(ctx)), notices: [banner('error', html`${result.message} [${result.code}]`)] }));
    }
    const { byField, other } = placeIssues(result.issues, { [spec.configKey]: 'value' });
    const notices = [banner('error', html`${result.message} [${result.code}]${other.length ? html`<ul>${other.map((line) => html`<li>${line}</li>`)}</ul>` : html``}`)];
    return sendPage(reply, 422, render(ctx, { value, digest: field(request.body, 'version'), error: byField.get('value'), notices }));
  });
}
