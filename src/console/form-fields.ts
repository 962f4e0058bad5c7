/**
 * One setting as a form field, from its catalog entry: the label in the documentation's words,
 * the config key beside it, its help below, its error beside it (tied to the input with
 * aria-describedby). A checkbox for a boolean, a select for an enum, a password input for a
 * secret (never filled: only "set" or "not set", with a box to clear it), text otherwise.
 */
import type { SettingEntry } from '../config/catalog.js';
import { html, type SafeHtml } from '../html/template.js';

export interface FieldState {
  entry: SettingEntry;
  /** The form field's name (and `f-NAME` its id). */
  name: string;
  /** The key the label names: the setting's, or the one in use instead (passwordFile for the password). */
  keyShown: string;
  value: string | boolean;
  disabled: boolean;
  error?: string | undefined;
  /** Secrets only: whether the file holds one. */
  secretSet?: boolean;
  /** Extra words below the help (where a secret is read from). */
  note?: string | undefined;
}

/** The name of a secret's "clear" checkbox: `clearPassword` for `password`. */
export const clearName = (name: string) => `clear${name.charAt(0).toUpperCase()}${name.slice(1)}`;

export function settingField(f: FieldState): SafeHtml {
  if (f.entry.type === 'boolean') return checkboxField(f);
  if (f.entry.secret) return secretField(f);
  if (f.entry.choices.length > 0) return selectField(f);
  return textField(f);
}

const id = (f: FieldState) => `f-${f.name}`;

function helpText(f: FieldState): string {
  const dflt = f.entry.required || f.entry.defaultText === 'unset' ? '' : ` Default: ${f.entry.default === undefined ? f.entry.defaultText : String(f.entry.default)}.`;
  return `${f.entry.help}${dflt}${f.note ? ` ${f.note}` : ''}`;
}

/** The help and error below an input, and the attributes that tie them to it. */
function below(f: FieldState, hints?: SafeHtml): { attrs: SafeHtml; after: SafeHtml } {
  const described = [`${id(f)}-hint`, ...(f.error ? [`${id(f)}-error`] : [])].join(' ');
  return {
    attrs: html` aria-describedby="${described}"${f.error ? html` aria-invalid="true"` : html``}${f.disabled ? html` disabled` : html``}`,
    after: html`${hints ?? html`<p class="hint" id="${id(f)}-hint">${helpText(f)}</p>`}${f.error ? html`<p class="field-error" id="${id(f)}-error">${f.error}</p>` : html``}`,
  };
}

const label = (f: FieldState) => html`<label for="${id(f)}">${f.entry.label}</label> <code class="key setting-key">${f.keyShown}</code>`;

function textField(f: FieldState): SafeHtml {
  const { attrs, after } = below(f);
  const type = f.entry.input.type ?? 'text';
  const numeric = f.entry.type === 'integer' ? html` inputmode="numeric"` : html``;
  return html`<div class="field${f.error ? ' invalid' : ''}">
${label(f)}
<input id="${id(f)}" name="${f.name}" type="${type}" value="${String(f.value)}" autocomplete="off"${numeric}${attrs}>
${after}
</div>`;
}

function selectField(f: FieldState): SafeHtml {
  const { attrs, after } = below(f);
  return html`<div class="field${f.error ? ' invalid' : ''}">
${label(f)}
<select id="${id(f)}" name="${f.name}"${attrs}>${f.entry.choices.map(([value, words]) => html`<option value="${value}"${value === f.value ? html` selected` : html``}>${words}</option>`)}</select>
${after}
</div>`;
}

/**
 * A checkbox whose hint may follow the box: both words are in the hint, and CSS shows the one
 * that holds (no script needed; a hidden part is not read out either).
 */
function checkboxField(f: FieldState): SafeHtml {
  const { whenOn, whenOff } = f.entry.input;
  const hints =
    whenOn !== undefined && whenOff !== undefined
      ? html`<p class="hint" id="${id(f)}-hint"><span class="hint-on">${whenOn}</span><span class="hint-off">${whenOff}</span></p>`
      : undefined;
  const { attrs, after } = below(f, hints);
  return html`<div class="field check${f.error ? ' invalid' : ''}">
<input id="${id(f)}" name="${f.name}" type="checkbox" value="on"${f.value === true ? html` checked` : html``}${attrs}>
${label(f)}
${after}
</div>`;
}

/** A secret: an empty password input; "set"/"not set" as placeholder; a box to clear it. */
function secretField(f: FieldState): SafeHtml {
  const { attrs, after } = below(f);
  const placeholder = f.secretSet ? (f.disabled ? 'set' : 'set (leave empty to keep it)') : 'not set';
  const clear = clearName(f.name);
  return html`<div class="field${f.error ? ' invalid' : ''}">
${label(f)}
<input id="${id(f)}" name="${f.name}" type="password" value="" autocomplete="new-password" placeholder="${placeholder}"${attrs}>
${after}
</div>${f.disabled || !f.secretSet
    ? html``
    : html`<div class="field check">
<input id="f-${clear}" name="${clear}" type="checkbox" value="on" aria-describedby="f-${clear}-hint">
<label for="f-${clear}">Clear the saved ${f.entry.label.toLowerCase()}</label> <code class="key setting-key">${f.keyShown}</code>
<p class="hint" id="f-${clear}-hint">It is never shown; tick this to remove it.</p>
</div>`}`;
}
