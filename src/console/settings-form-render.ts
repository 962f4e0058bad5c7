/** A settings form's page (settings-form.ts): its fieldsets, the read-only banner of a centralized secondary, the save button. */
import { settingAt } from '../config/catalog.js';
import { html, type SafeHtml } from '../html/template.js';
import { settingField } from './form-fields.js';
import { banner, csrfField, page, when, type PageContext } from './layout.js';
import type { FormFields, FormGroup, FormView, SettingsFormSpec } from './settings-form-model.js';

export function renderForm(spec: SettingsFormSpec, fields: FormFields, ctx: PageContext, view: FormView): string {
  const groups = spec.groups.map((group) => fieldset(fields, group, ctx, view));
  const body = html`${readOnlyBanner(fields, ctx) ?? html``}${view.notices ?? []}${spec.heading ? html`<h2>${spec.heading}</h2>` : html``}
<form method="post" action="${spec.path}" class="settings" novalidate>
${csrfField(ctx.csrf)}<input type="hidden" name="version" value="${view.digest}">
${groups}
${spec.extra?.(ctx, view) ?? html``}
${fields.allLocked(ctx) ? html`` : html`<div class="actions"><button type="submit" class="primary">Save changes</button></div>`}
</form>`;
  return page(ctx, spec.title, body);
}

/** A group's fields; one that applies only with some choices says which (and the script hides it otherwise). */
function fieldset(fields: FormFields, group: FormGroup, ctx: PageContext, view: FormView): SafeHtml {
  const errors = view.errors ?? new Map<string, string>();
  const condition = group.when?.map((c) => `${fields.byKey.get(c.key)?.name ?? c.key}=${c.value}`).join(';');
  const onlyWith = group.when?.map((c) => `${settingAt(c.key).label}: ${settingAt(c.key).choices.find(([v]) => v === c.value)?.[1] ?? c.value}`).join(' and ');
  const legend = group.legend ? html`<legend>${group.legend}${onlyWith ? ` (applies only with ${onlyWith})` : ''}</legend>` : html``;
  return html`<fieldset${condition ? html` data-when="${condition}"` : html``}>${legend}${group.keys.map((key) => {
    const f = fields.byKey.get(key)!;
    const keyShown = view.secretKeys?.get(key) ?? key;
    return settingField({
      entry: f.entry,
      name: f.name,
      keyShown,
      value: view.values.get(key) ?? '',
      disabled: fields.locked(ctx, f),
      error: errors.get(f.name),
      secretSet: view.secretsSet.has(key),
      note: keyShown !== key ? `Now read from the file ${keyShown} names; a password typed here is saved in the config file instead.` : undefined,
    });
  })}</fieldset>`;
}

/** The banner of a centralized secondary, or null when no field is locked. */
export function readOnlyBanner(fields: FormFields, ctx: PageContext): SafeHtml | null {
  if (!fields.all.some((f) => fields.locked(ctx, f))) return null;
  const secondary = ctx.status.secondary;
  return banner(
    'info',
    html`<strong>Read-only: this Appliance is centralized.</strong> ${fields.allLocked(ctx) ? 'These settings are' : 'The disabled settings are'} those of its primary <code>${secondary?.primary ?? 'unknown'}</code>,
version ${secondary?.appliedVersion ?? 0}, applied ${when(secondary?.appliedAt)}.
To change them, edit them on the primary (this page there, or its config file), or switch this Appliance to local settings on the <a href="/federation">Federation</a> page.`,
  );
}
