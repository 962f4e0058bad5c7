/**
 * Dashboard digests from the Portal: a dashboard, a period, subscribers and items (a metric or a
 * service with its value and the dashboard that details it). Each item links to that dashboard
 * on the Portal, built from the current portal.address; without one the digest goes out without
 * links.
 */
import { z } from 'zod';
import { isEmailAddress, parsePortalAddress } from '../util/address.js';
import { AppError } from '../errors/registry.js';
import { html } from '../html/template.js';
import { layout, oneLine, type Tone } from './mail-layout.js';
import type { RenderedMail } from './appliance-events.js';

const STATUS_TONES = { ok: '#15803d', warning: '#b45309', critical: '#b91c1c', unknown: '#6b7280' } as const;

const digestSchema = z.strictObject({
  dashboard: z.string().min(1).max(200),
  period: z.string().min(1).max(100),
  subscribers: z.array(z.string().refine(isEmailAddress, { message: 'is not a valid email address' })).min(1).max(1000),
  items: z
    .array(
      z.strictObject({
        type: z.enum(['metric', 'service']),
        name: z.string().min(1).max(500),
        value: z.string().max(200),
        status: z.enum(['ok', 'warning', 'critical', 'unknown']).default('unknown'),
        /** The id of the Portal dashboard that details this item. */
        dashboard: z.string().min(1).max(200),
      }),
    )
    .max(500),
});
export type Digest = z.output<typeof digestSchema>;

export function parseDigest(input: unknown): Digest {
  const result = digestSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(digest)'}: ${i.message}`);
  throw new AppError('AM_MESSAGE_INVALID', `digest refused: ${problems.join('; ')}`, { details: { problems } });
}

/**
 * The Portal URL of a dashboard: https unless portal.address names a scheme; the dashboard id
 * is one encoded path segment, so it cannot change the host or add a query.
 */
export function dashboardUrl(portalAddress: string, dashboard: string): string {
  const parsed = parsePortalAddress(portalAddress);
  return `${parsed?.scheme ?? 'https'}://${parsed?.authority ?? portalAddress}/dashboards/${encodeURIComponent(dashboard)}`;
}

export function renderDigest(digest: Digest, options: { portalAddress: string | null; node: string }): RenderedMail {
  const link = (dashboard: string) => (options.portalAddress ? dashboardUrl(options.portalAddress, dashboard) : null);
  const counts = { ok: 0, warning: 0, critical: 0, unknown: 0 };
  for (const item of digest.items) counts[item.status]++;
  const worst: Tone = counts.critical > 0 ? 'error' : counts.warning > 0 ? 'warning' : 'success';
  const summary = `${digest.items.length} item${digest.items.length === 1 ? '' : 's'}: ${counts.critical} critical, ${counts.warning} warning, ${counts.ok} ok${counts.unknown ? `, ${counts.unknown} unknown` : ''}`;
  const subject = oneLine(`${digest.dashboard} digest, ${digest.period}`);

  const text = [
    `${oneLine(digest.dashboard, 200)}, ${oneLine(digest.period, 100)}`,
    summary,
    '',
    ...digest.items.flatMap((item) => {
      const url = link(item.dashboard);
      return [`[${item.status.toUpperCase()}] ${item.type} ${oneLine(item.name, 500)}: ${oneLine(item.value, 200)}`, ...(url ? [`    ${url}`] : []), ''];
    }),
    ...(options.portalAddress ? [] : ['(Links to the Portal are off: portal.address is not set.)', '']),
    '-- ',
    `Sent by appliance-mail on ${options.node} for the Portal. You receive it as a subscriber of this dashboard.`,
  ].join('\n');

  const rows = digest.items.map((item) => {
    const url = link(item.dashboard);
    const name = url ? html`<a href="${url}" style="color:#1d4ed8;text-decoration:none">${item.name}</a>` : html`${item.name}`;
    return html`<tr>
<td style="padding:8px 8px 8px 0;border-bottom:1px solid #f3f4f6"><span style="display:inline-block;min-width:64px;padding:2px 8px;border-radius:10px;background:${STATUS_TONES[item.status]};color:#fff;font-size:12px;text-align:center">${item.status}</span></td>
<td style="padding:8px;border-bottom:1px solid #f3f4f6"><div style="font-size:12px;color:#6b7280">${item.type}</div>${name}</td>
<td style="padding:8px 0 8px 8px;border-bottom:1px solid #f3f4f6;text-align:right;font-weight:600;white-space:nowrap">${item.value}</td>
</tr>`;
  });
  const body = html`<p style="margin:0 0 4px;font-size:13px;color:#6b7280">${digest.period}</p>
<p style="margin:0 0 16px;font-size:16px">${summary}</p>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:14px">${rows}</table>
${options.portalAddress ? null : html`<p style="margin:16px 0 0;color:#6b7280;font-size:13px">Links to the Portal are off: portal.address is not set.</p>`}`;
  return {
    subject,
    text,
    html: layout({
      title: `${digest.dashboard}`,
      tone: worst,
      preheader: summary,
      body,
      footer: `Sent by appliance-mail on ${options.node} for the Portal. You receive it as a subscriber of this dashboard.`,
    }),
  };
}
