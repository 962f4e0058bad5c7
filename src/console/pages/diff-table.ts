/** A field diff as a table: the History page's entries and reverts, the Federation page's versions. */
import type { FieldChange } from '../../audit/diff.js';
import { html, type SafeHtml } from '../../html/template.js';

/** Before and after per field; a secret only as "changed" (a FieldChange holds no secret, only set/unset). */
export function diffTable(changes: readonly FieldChange[], caption: string, heads: readonly [string, string] = ['Before', 'After']): SafeHtml {
  if (changes.length === 0) return html`<p class="muted">No setting differs.</p>`;
  return html`<table class="list diff"><caption>${caption}</caption><thead><tr><th scope="col">Field</th><th scope="col">${heads[0]}</th><th scope="col">${heads[1]}</th></tr></thead><tbody>${changes.map((c) =>
    c.secret
      ? html`<tr><td><code>${c.path}</code></td><td class="muted">secret (${c.before})</td><td><strong>changed</strong> <span class="muted">(${c.after})</span></td></tr>`
      : html`<tr><td><code>${c.path}</code></td><td><code class="wrap">${c.before}</code></td><td><code class="wrap">${c.after}</code></td></tr>`,
  )}</tbody></table>`;
}
