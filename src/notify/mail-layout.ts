/**
 * The page layout shared by every mail, and a one-line form for subjects. Built with the escaping
 * `html` template (src/html/template.ts).
 */
import { html, type SafeHtml } from '../html/template.js';

/** For subjects and other header values: line breaks and tabs become spaces; bounded length. */
export function oneLine(text: string, maxChars = 200): string {
  const flat = text.replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

export type Tone = 'info' | 'success' | 'warning' | 'error';

const TONE_COLORS: Record<Tone, string> = { info: '#2563eb', success: '#15803d', warning: '#b45309', error: '#b91c1c' };

/**
 * The page every mail uses: a colored band with the title, the body, a footer saying where the
 * mail came from. Inline styles only: mail clients drop <style> blocks and external CSS.
 */
export function layout(options: { title: string; tone: Tone; preheader: string; body: SafeHtml; footer: string }): string {
  const color = TONE_COLORS[options.tone];
  return `<!DOCTYPE html>
${html`<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${options.title}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#111827">
<span style="display:none;max-height:0;overflow:hidden">${options.preheader}</span>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;overflow:hidden;border:1px solid #e5e7eb">
<tr><td style="background:${color};color:#ffffff;padding:18px 24px;font-size:20px;font-weight:600">${options.title}</td></tr>
<tr><td style="padding:20px 24px;font-size:15px;line-height:1.5">${options.body}</td></tr>
<tr><td style="padding:14px 24px;border-top:1px solid #e5e7eb;color:#6b7280;font-size:12px">${options.footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`.value}
`;
}
