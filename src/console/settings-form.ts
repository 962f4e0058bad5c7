/**
 * Every console settings page is one of these: a form made from the settings' own declarations
 * (labels, help, defaults, secrecy, federated: src/config/catalog.ts), saved through the one
 * write path of the config file (config-file.ts: validated whole, refused when the file changed
 * since the form was loaded, applied by the live reload), then POST-redirect-GET.
 *
 * Secrets never go to the browser: an empty field keeps the saved one, a box clears it. On a
 * centralized secondary the federated fields show the primary's values, disabled, and a POST
 * that carries one is refused; the node's own fields stay editable.
 */
import type { FastifyInstance } from 'fastify';
import { consoleActor } from './session-gate.js';
import type { ConfigIssue } from '../config/load.js';
import { html, type SafeHtml } from '../html/template.js';
import type { FileEdit } from './config-file.js';
import { banner, when, type PageContext } from './layout.js';
import { field, placeIssues, sendPage, type RouteDeps } from './routes.js';
import { formEdit } from './settings-form-edit.js';
import { formFields, overlayPrimary, touchesLocked, valuesFromBody, valuesFromFile, type FormView, type SettingsFormSpec } from './settings-form-model.js';
import { readOnlyBanner, renderForm } from './settings-form-render.js';

export type { FormGroup, FormValues, FormView, SettingsFormSpec } from './settings-form-model.js';

export interface SettingsForm {
  /** The page's view: the file's values, the primary's for federated fields on a centralized secondary. */
  view(ctx: PageContext): Promise<FormView>;
  /** The posted values as the form shows them again (typed secrets dropped), with `errors`. */
  postedView(ctx: PageContext, body: unknown, errors: ReadonlyMap<string, string>): Promise<FormView>;
  /** The form's change to the file's JSON. */
  edit(ctx: PageContext, body: unknown): FileEdit;
  /** Issues split into those beside a field (by field name) and the rest. */
  placeIssues(issues: readonly ConfigIssue[]): { byField: Map<string, string>; other: string[] };
  render(ctx: PageContext, view: FormView): string;
  /** The banner of a centralized secondary, or null. */
  readOnlyBanner(ctx: PageContext): SafeHtml | null;
}

/**
 * The form of `spec` with its GET and POST routes on `app`. Its parts: the model
 * (settings-form-model.ts), the edit of the file (settings-form-edit.ts), the page (settings-form-render.ts).
 */
export function registerSettingsForm(app: FastifyInstance, deps: RouteDeps, spec: SettingsFormSpec): SettingsForm {
  const fields = formFields(spec);
  const form: SettingsForm = {
    async view(ctx) {
      if (fields.allLocked(ctx)) return { ...overlayPrimary(fields, spec, deps, ctx, { values: new Map(), secretsSet: new Set() }), digest: '' };
      const file = await deps.configFile.read();
      return { ...overlayPrimary(fields, spec, deps, ctx, valuesFromFile(fields, spec, file.json)), digest: file.digest };
    },
    async postedView(ctx, body, errors) {
      const current = await deps.configFile.read().catch(() => null);
      const saved = current ? valuesFromFile(fields, spec, current.json) : { values: new Map(), secretsSet: new Set<string>(), secretKeys: new Map<string, string>() };
      const values = new Map([...valuesFromBody(fields, body).values].filter(([key]) => !fields.byKey.get(key)!.entry.secret));
      return { ...overlayPrimary(fields, spec, deps, ctx, { values, secretsSet: saved.secretsSet, secretKeys: saved.secretKeys }), digest: field(body, 'version'), errors };
    },
    edit: (ctx, body) => formEdit(spec, fields, ctx, valuesFromBody(fields, body)),
    placeIssues: (issues) => placeIssues(issues, fields.fieldOf),
    render: (ctx, view) => renderForm(spec, fields, ctx, view),
    readOnlyBanner: (ctx) => readOnlyBanner(fields, ctx),
  };
  registerRoutes(app, deps, spec, form, (ctx, body) => touchesLocked(fields, ctx, body));
  return form;
}

function registerRoutes(app: FastifyInstance, deps: RouteDeps, spec: SettingsFormSpec, form: SettingsForm, refused: (ctx: PageContext, body: unknown) => boolean): void {
  app.get(spec.path, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const view = await form.view(ctx);
    const saved = (request.query as Record<string, string | undefined>)['saved'];
    if (saved !== undefined && view.digest !== '') view.notices = [savedNotice(deps, saved)];
    return sendPage(reply, 200, form.render(ctx, view));
  });

  app.post(spec.path, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    if (refused(ctx, request.body)) {
      const notices = [banner('error', html`Refused: the ${spec.title} settings of a centralized Appliance come from its primary; nothing was saved. [AM_READ_ONLY]`)];
      return sendPage(reply, 403, form.render(ctx, { ...(await form.view(ctx)), notices }));
    }
    const result = await deps.configFile.save(field(request.body, 'version'), form.edit(ctx, request.body), consoleActor(request));
    if (result.ok) return reply.redirect(`${spec.path}?saved=${encodeURIComponent(result.version)}`, 303);
    if (result.code === 'AM_CONFIG_CHANGED') {
      return sendPage(reply, 409, form.render(ctx, { ...(await form.view(ctx)), notices: [banner('error', html`${result.message} [${result.code}]`)] }));
    }
    const { byField, other } = form.placeIssues(result.issues);
    const notices = [banner('error', html`${result.message} [${result.code}]${other.length ? html`<ul>${other.map((line) => html`<li>${line}</li>`)}</ul>` : html``}`)];
    return sendPage(reply, 422, form.render(ctx, { ...(await form.postedView(ctx, request.body, byField)), notices }));
  });
}

/** After a save: applied (the page shows the config in force) or written but not yet applied. */
export function savedNotice(deps: RouteDeps, version: string): SafeHtml {
  const current = deps.config.current();
  if (current.version === version) return banner('success', html`Saved to <code>${current.file}</code>; version ${version} applied ${when(deps.config.appliedAt())}.`);
  const error = deps.config.lastError();
  return banner('warning', html`Written as version ${version}, not applied yet${error ? html`: ${error.message}` : html``}. The page shows the file.`);
}
