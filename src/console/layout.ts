/**
 * The console's page frame and form pieces. Every value goes through the `html` tagged template,
 * which escapes it: nothing from the config, a peer or a form can add markup. No inline script or
 * style (the CSP forbids them): behaviour and looks come from /static/.
 */
import type { DaemonStatus } from '../control/status.js';
import { html, type SafeHtml } from '../html/template.js';
import { parseTime, timeAndAge } from '../util/time-format.js';

export interface PageContext {
  user: string;
  /** This request's CSRF token, for every form on the page. */
  csrf: string;
  status: DaemonStatus;
  path: string;
  /** Results of the actions that led here (POST-redirect-GET), shown once at the top. */
  notices: SafeHtml[];
}

const NAV: ReadonlyArray<{ group: string; items: ReadonlyArray<[string, string]> }> = [
  { group: 'Appliance', items: [['/', 'Overview'], ['/appliance/mail-server', 'Mail server'], ['/appliance/accounts', 'Accounts'], ['/appliance/advanced', 'Advanced']] },
  { group: 'Portal', items: [['/portal/general', 'General']] },
  { group: 'Fleet', items: [['/federation', 'Federation'], ['/outbox', 'Outbox']] },
];

export function page(ctx: PageContext, title: string, body: SafeHtml): string {
  const { status } = ctx;
  const nav = NAV.map(
    ({ group, items }) => html`<div class="nav-group"><span class="nav-title">${group}</span>${items.map(
      ([href, label]) => html`<a href="${href}"${ctx.path === href ? html` aria-current="page"` : html``}>${label}</a>`,
    )}</div>`,
  );
  return document(
    `${title} · ${status.nodeName}`,
    html`<a class="skip" href="#main">Skip to content</a><header class="top">
<div class="brand"><strong>appliance-mail</strong> <span class="node">${status.nodeName}</span> <span class="badge">${status.mode}</span></div>
<form method="post" action="/logout" class="logout">${csrfField(ctx.csrf)}<span>${ctx.user}</span> <button type="submit">Log out</button></form>
</header>
<div class="frame"><nav aria-label="Console pages">${nav}</nav><main id="main" tabindex="-1"><h1>${title}</h1>${ctx.notices}${body}</main></div>`,
  );
}

export function document(title: string, body: SafeHtml): string {
  return `<!DOCTYPE html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/static/console.css"><script src="/static/console.js" defer></script></head>
<body>${body}</body></html>`.value}\n`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export type Tone = 'info' | 'success' | 'warning' | 'error';

export function banner(tone: Tone, content: SafeHtml | string): SafeHtml {
  return html`<div class="banner ${tone}" role="${tone === 'error' ? 'alert' : 'status'}">${content}</div>`;
}

/** A key-value table (status facts). */
export function facts(rows: ReadonlyArray<[string, string | SafeHtml]>): SafeHtml {
  return html`<table class="facts">${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;
}

/** A time on a page: local with its offset, and how long ago (src/util/time-format.ts). */
export function when(iso: string | Date | null | undefined): string {
  const at = parseTime(iso);
  return at === null ? (iso ? String(iso) : 'never') : timeAndAge(at);
}
