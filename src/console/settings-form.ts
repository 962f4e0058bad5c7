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
import { settingAt, type SettingEntry } from '../config/catalog.js';
import type { ConfigIssue } from '../config/load.js';
import { html, type SafeHtml } from '../html/template.js';
import type { FileEdit, RawJson } from './config-file.js';
import { deleteAt, getAt, setAt } from './json-path.js';
import { clearName, settingField } from './form-fields.js';
import { banner, csrfField, page, when, type PageContext } from './layout.js';
import { field, placeIssues, sendPage, ticked, type RouteDeps } from './routes.js';

export interface FormGroup {
  /** The fieldset's heading; none for the page's main fields. */
  legend?: string;
  /** Config keys, in the order shown. */
  keys: readonly string[];
  /**
   * The group applies only while each of these settings has this value: the script hides it
   * otherwise; without the script its heading says when it applies. A save writes its fields
   * only while it applies, and removes them from the file otherwise.
   */
  when?: ReadonlyArray<{ key: string; value: string }>;
}

export interface SettingsFormSpec {
  path: string;
  title: string;
  heading?: string;
  groups: readonly FormGroup[];
  /** A secret's key → the key of the file that may hold it instead (the one in use is named). */
  secretFiles?: Readonly<Record<string, string>>;
  /** Rules that need the file before the edit (kept-password.ts); their issues refuse the save. */
  check?(saved: RawJson, form: FormValues): readonly ConfigIssue[];
  /** On a centralized secondary: the values in force of the federated fields, secrets only as set. */
  effective(ctx: PageContext, deps: RouteDeps): { values: ReadonlyMap<string, string | boolean>; secretsSet: ReadonlySet<string> };
  /** Inside the form, after the fields (the Mail server page's test email). */
  extra?(ctx: PageContext, view: FormView): SafeHtml;
}

/** What a form holds, by config key: text, a tick, a typed secret; and the secrets to clear. */
export interface FormValues {
  values: ReadonlyMap<string, string | boolean>;
  cleared: ReadonlySet<string>;
}

export interface FormView {
  values: ReadonlyMap<string, string | boolean>;
  secretsSet: ReadonlySet<string>;
  /** Which key holds each set secret in the file (password or passwordFile). */
  secretKeys?: ReadonlyMap<string, string>;
  digest: string;
  errors?: ReadonlyMap<string, string>;
  notices?: SafeHtml[];
}

interface Field {
  entry: SettingEntry;
  name: string;
}

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

const centralized = (ctx: PageContext) => ctx.status.mode === 'centralized';

export function registerSettingsForm(app: FastifyInstance, deps: RouteDeps, spec: SettingsFormSpec): SettingsForm {
  // A field is named by its key's last word (`server`), or by its whole key where that is shared (`metrics-listen`).
  const keys = spec.groups.flatMap((g) => g.keys);
  const lastWord = (key: string) => key.slice(key.lastIndexOf('.') + 1);
  const fields = new Map<string, Field>(
    keys.map((key) => [key, { entry: settingAt(key), name: keys.filter((k) => lastWord(k) === lastWord(key)).length > 1 ? key.replaceAll('.', '-') : lastWord(key) }]),
  );
  const all = [...fields.values()];
  const locked = (ctx: PageContext, f: Field) => centralized(ctx) && f.entry.federated;
  const allLocked = (ctx: PageContext) => all.every((f) => locked(ctx, f));
  const fieldOf = Object.fromEntries(all.map((f) => [f.entry.path, f.name]));

  function fromFile(json: RawJson): Pick<FormView, 'values' | 'secretsSet' | 'secretKeys'> {
    const values = new Map<string, string | boolean>();
    const secretsSet = new Set<string>();
    const secretKeys = new Map<string, string>();
    for (const { entry } of all) {
      const raw = getAt(json, entry.path);
      if (entry.secret) {
        const fileKey = spec.secretFiles?.[entry.path];
        const inUse = raw !== undefined ? entry.path : fileKey !== undefined && getAt(json, fileKey) !== undefined ? fileKey : null;
        if (inUse !== null) {
          secretsSet.add(entry.path);
          secretKeys.set(entry.path, inUse);
        }
      } else values.set(entry.path, shown(entry, raw));
    }
    return { values, secretsSet, secretKeys };
  }

  /** On a centralized secondary, the federated fields' values are the primary's. */
  function overlay(ctx: PageContext, view: Pick<FormView, 'values' | 'secretsSet' | 'secretKeys'>) {
    if (!centralized(ctx)) return view;
    const effective = spec.effective(ctx, deps);
    const values = new Map(view.values);
    const secretsSet = new Set(view.secretsSet);
    for (const f of all.filter((x) => x.entry.federated)) {
      values.set(f.entry.path, effective.values.get(f.entry.path) ?? (f.entry.type === 'boolean' ? false : ''));
      if (effective.secretsSet.has(f.entry.path)) secretsSet.add(f.entry.path);
      else secretsSet.delete(f.entry.path);
    }
    return { values, secretsSet, secretKeys: new Map<string, string>() };
  }

  async function view(ctx: PageContext): Promise<FormView> {
    if (allLocked(ctx)) return { ...overlay(ctx, { values: new Map(), secretsSet: new Set() }), digest: '' };
    const file = await deps.configFile.read();
    return { ...overlay(ctx, fromFile(file.json)), digest: file.digest };
  }

  function formValues(body: unknown): FormValues {
    const values = new Map<string, string | boolean>();
    const cleared = new Set<string>();
    for (const { entry, name } of all) {
      if (entry.type === 'boolean') values.set(entry.path, ticked(body, name));
      else if (entry.secret) values.set(entry.path, field(body, name));
      // A choice not sent (a request made by hand) is its default, as an absent key in the file.
      else values.set(entry.path, field(body, name).trim() || (entry.choices.length > 0 && entry.default !== undefined ? String(entry.default) : ''));
      if (entry.secret && ticked(body, clearName(name))) cleared.add(entry.path);
    }
    return { values, cleared };
  }

  const applies = (group: FormGroup, form: FormValues) => (group.when ?? []).every((c) => form.values.get(c.key) === c.value);

  function edit(ctx: PageContext, body: unknown): FileEdit {
    const form = formValues(body);
    return (json) => {
      const issues = spec.check?.(structuredClone(json), form) ?? [];
      const savedText = (key: string) => shown(settingAt(key), getAt(json, key));
      const untouchedFiles = new Set(Object.values(spec.secretFiles ?? {}).filter((key) => form.values.get(key) === savedText(key)));
      const secrets: Field[] = [];
      for (const group of spec.groups) {
        for (const key of group.keys) {
          const f = fields.get(key)!;
          if (locked(ctx, f)) continue;
          if (!applies(group, form)) deleteAt(json, key);
          else if (f.entry.secret) secrets.push(f);
          else writeValue(json, f.entry, form.values.get(key)!);
        }
      }
      // After the files' paths: a typed secret replaces an untouched file, a new file an untyped secret.
      for (const { entry } of secrets) {
        const fileKey = spec.secretFiles?.[entry.path];
        const typed = form.values.get(entry.path) as string;
        if (form.cleared.has(entry.path)) {
          deleteAt(json, entry.path);
          if (fileKey !== undefined) deleteAt(json, fileKey);
        } else if (typed !== '') {
          setAt(json, entry.path, typed);
          if (fileKey !== undefined && untouchedFiles.has(fileKey)) deleteAt(json, fileKey);
        } else if (fileKey !== undefined && !untouchedFiles.has(fileKey) && getAt(json, fileKey) !== undefined) {
          deleteAt(json, entry.path);
        }
      }
      return issues;
    };
  }

  async function postedView(ctx: PageContext, body: unknown, errors: ReadonlyMap<string, string>): Promise<FormView> {
    const current = await deps.configFile.read().catch(() => null);
    const saved = current ? fromFile(current.json) : { values: new Map(), secretsSet: new Set<string>(), secretKeys: new Map<string, string>() };
    const values = new Map([...formValues(body).values].filter(([key]) => !fields.get(key)!.entry.secret));
    return { ...overlay(ctx, { values, secretsSet: saved.secretsSet, secretKeys: saved.secretKeys }), digest: field(body, 'version'), errors };
  }

  function readOnlyBanner(ctx: PageContext): SafeHtml | null {
    if (!all.some((f) => locked(ctx, f))) return null;
    const secondary = ctx.status.secondary;
    return banner(
      'info',
      html`<strong>Read-only: this Appliance is centralized.</strong> ${allLocked(ctx) ? 'These settings are' : 'The disabled settings are'} those of its primary <code>${secondary?.primary ?? 'unknown'}</code>,
version ${secondary?.appliedVersion ?? 0}, applied ${when(secondary?.appliedAt)}.
To change them, edit them on the primary (this page there, or its config file), or switch this Appliance to local settings on the <a href="/federation">Federation</a> page.`,
    );
  }

  function render(ctx: PageContext, view: FormView): string {
    const errors = view.errors ?? new Map<string, string>();
    const groups = spec.groups.map((group) => {
      const condition = group.when?.map((c) => `${fields.get(c.key)?.name ?? c.key}=${c.value}`).join(';');
      const onlyWith = group.when?.map((c) => `${settingAt(c.key).label}: ${settingAt(c.key).choices.find(([v]) => v === c.value)?.[1] ?? c.value}`).join(' and ');
      const legend = group.legend ? html`<legend>${group.legend}${onlyWith ? ` (applies only with ${onlyWith})` : ''}</legend>` : html``;
      return html`<fieldset${condition ? html` data-when="${condition}"` : html``}>${legend}${group.keys.map((key) => {
        const f = fields.get(key)!;
        const keyShown = view.secretKeys?.get(key) ?? key;
        return settingField({
          entry: f.entry,
          name: f.name,
          keyShown,
          value: view.values.get(key) ?? '',
          disabled: locked(ctx, f),
          error: errors.get(f.name),
          secretSet: view.secretsSet.has(key),
          note: keyShown !== key ? `Now read from the file ${keyShown} names; a password typed here is saved in the config file instead.` : undefined,
        });
      })}</fieldset>`;
    });
    const body = html`${readOnlyBanner(ctx) ?? html``}${view.notices ?? []}${spec.heading ? html`<h2>${spec.heading}</h2>` : html``}
<form method="post" action="${spec.path}" class="settings" novalidate>
${csrfField(ctx.csrf)}<input type="hidden" name="version" value="${view.digest}">
${groups}
${spec.extra?.(ctx, view) ?? html``}
${allLocked(ctx) ? html`` : html`<div class="actions"><button type="submit" class="primary">Save changes</button></div>`}
</form>`;
    return page(ctx, spec.title, body);
  }

  const form: SettingsForm = { view, postedView, edit, placeIssues: (issues) => placeIssues(issues, fieldOf), render, readOnlyBanner };
  registerRoutes(app, deps, spec, form, (ctx, body) => all.some((f) => locked(ctx, f) && (hasField(body, f.name) || hasField(body, clearName(f.name)))) || allLocked(ctx));
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
    const result = await deps.configFile.save(field(request.body, 'version'), form.edit(ctx, request.body));
    if (result.ok) return reply.redirect(`${spec.path}?saved=${encodeURIComponent(result.version)}`, 303);
    if (result.code === 'AM_CONFIG_CHANGED') {
      return sendPage(reply, 409, form.render(ctx, { ...(await form.view(ctx)), notices: [banner('error', html`${result.message} [${result.code}]`)] }));
    }
    const { byField, other } = form.placeIssues(result.issues);
    const notices = [banner('error', html`${result.message} [${result.code}]${other.length ? html`<ul>${other.map((line) => html`<li>${line}</li>`)}</ul>` : html``}`)];
    return sendPage(reply, 422, form.render(ctx, { ...(await form.postedView(ctx, request.body, byField)), notices }));
  });
}

const hasField = (body: unknown, name: string) => body !== null && typeof body === 'object' && Object.hasOwn(body, name);

/** A setting's value in the file as its field shows it; its default when absent. */
function shown(entry: SettingEntry, raw: unknown): string | boolean {
  if (entry.type === 'boolean') return typeof raw === 'boolean' ? raw : entry.default === true;
  if (Array.isArray(raw)) return raw.filter((v) => typeof v === 'string').join(', ');
  if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
  return entry.choices.length > 0 ? String(entry.default ?? entry.choices[0]![0]) : '';
}

/**
 * A field's value into the file: empty text removes the key (the schema's "not given"); a tick
 * or a choice equal to the default is not added to a file that left it out.
 */
function writeValue(json: RawJson, entry: SettingEntry, value: string | boolean): void {
  if (typeof value === 'boolean' || entry.choices.length > 0) {
    if (value === entry.default && getAt(json, entry.path) === undefined) return;
    setAt(json, entry.path, value);
  } else if (value === '') deleteAt(json, entry.path);
  else setAt(json, entry.path, entry.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value);
}

/** After a save: applied (the page shows the config in force) or written but not yet applied. */
export function savedNotice(deps: RouteDeps, version: string): SafeHtml {
  const current = deps.config.current();
  if (current.version === version) return banner('success', html`Saved to <code>${current.file}</code>; version ${version} applied ${when(deps.config.appliedAt())}.`);
  const error = deps.config.lastError();
  return banner('warning', html`Written as version ${version}, not applied yet${error ? html`: ${error.message}` : html``}. The page shows the file.`);
}
