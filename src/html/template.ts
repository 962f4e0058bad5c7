/**
 * Safe building blocks for HTML, shared by mail and the Web Console: an `html` tagged template
 * that escapes every value it is given (only SafeHtml passes through). Values from outside (metric
 * names, details, Appliance names) go in as values, never as markup, so nothing in them can add a
 * tag, a link or a header.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type HtmlValue = string | number | SafeHtml | readonly SafeHtml[] | null | undefined;

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    if (value instanceof SafeHtml) out += value.value;
    else if (Array.isArray(value)) out += value.map((v: SafeHtml) => v.value).join('');
    else if (value !== null && value !== undefined) out += escapeHtml(String(value));
    out += strings[i + 1] ?? '';
  });
  return new SafeHtml(out);
}
