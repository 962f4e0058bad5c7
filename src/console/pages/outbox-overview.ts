/** The overview (`/`) and the outbox: queued, deferred and dead messages; retry and drop. */
import type { FastifyInstance } from 'fastify';
import type { ControlApi } from '../../control/api.js';
import type { OutboxListing } from '../../relay/outbox-admin.js';
import { html, type SafeHtml } from '../../html/template.js';
import { banner, csrfField, facts, page, when, type PageContext } from '../layout.js';
import { field, sendPage, type RouteDeps } from '../routes.js';
import { errorBanner } from './federation.js';
import { formatBytes } from '../../util/bytes.js';

const PATH = '/outbox';
/** A page, not a dump: the CLI's `outbox --json` lists everything. */
const MAX_ROWS = 200;

/** Why a message that is not dead still waits, in words: the pause, its retry, or mail being off. */
export function waitReason(ctx: PageContext, e: OutboxListing): string {
  const { delivery, mailServer } = ctx.status;
  if (e.state === 'dead') return 'dead letter: not tried again unless retried';
  if (!mailServer.enabled) return 'waits: mail is disabled (mailServer.enabled is off)';
  if (delivery.pausedUntil !== null) {
    const because = delivery.lastError ? ` because ${delivery.lastError.message.replace(/; deliveries paused until .*$/, '')}` : '';
    return `paused until ${when(delivery.pausedUntil)}${because}`;
  }
  if (e.state === 'deferred') return `deferred: next try ${when(e.nextAttemptAt)}${e.lastError ? ` because ${e.lastError}` : ''}`;
  return e.attempts === 0 ? 'queued: being sent' : 'queued: being tried again';
}

function entryRow(ctx: PageContext, e: OutboxListing): SafeHtml {
  return html`<tr class="${e.state}">
<td><code>${e.id}</code></td><td>${e.kind}</td><td>${waitReason(ctx, e)}</td><td>${e.to.join(', ')}</td><td>${e.subject}</td><td>${formatBytes(e.sizeBytes)}</td>
<td>${String(e.attempts)}</td><td>${e.lastError}</td>
<td class="row-actions">${
    e.state === 'dead'
      ? html`<form method="post" action="${PATH}/retry">${csrfField(ctx.csrf)}<input type="hidden" name="id" value="${e.id}"><button type="submit">Retry</button></form>`
      : html``
  }<form method="get" action="${PATH}/drop"><input type="hidden" name="id" value="${e.id}"><button type="submit" class="danger">Drop…</button></form></td>
</tr>`;
}

/** The confirmation step before a drop: a page of its own, so it works without JavaScript. */
function dropConfirmation(ctx: PageContext, e: OutboxListing): SafeHtml {
  return html`<p>Drop this message for good? It will not be sent, and it cannot be brought back.</p>
${facts([
  ['ID', html`<code>${e.id}</code>`],
  ['Kind', e.kind],
  ['To', e.to.join(', ')],
  ['Subject', e.subject],
  ['State', waitReason(ctx, e)],
])}
<form method="post" action="${PATH}/drop" class="confirm">${csrfField(ctx.csrf)}<input type="hidden" name="id" value="${e.id}"><button type="submit" class="danger">Drop ${e.id} for good</button> <a href="${PATH}">Cancel: keep it</a></form>`;
}

export function registerOutboxAndOverview(app: FastifyInstance, deps: RouteDeps): void {
  const show = async (ctx: PageContext, api: ControlApi) => {
    const entries = await api.listOutbox();
    const { outbox } = ctx.status;
    const lastDeliveryError = ctx.status.delivery.lastError;
    return page(
      ctx,
      'Outbox',
      html`${facts([
  ['Queued', String(outbox.queued)],
  ['Deferred', String(outbox.deferred)],
  ['Dead', String(outbox.dead)],
  ['Sent since start', String(outbox.sentSinceStart)],
  ['Last delivery error', lastDeliveryError ? `${lastDeliveryError.message} (${lastDeliveryError.server}, ${when(lastDeliveryError.at)})` : 'none'],
])}
${outbox.deferred > 0 ? html`<form method="post" action="${PATH}/flush">${csrfField(ctx.csrf)}<button type="submit">Flush: try every deferred message now</button></form>` : html``}
${outbox.dead > 0 ? html`<form method="post" action="${PATH}/retry">${csrfField(ctx.csrf)}<input type="hidden" name="all" value="dead"><button type="submit">Retry every dead letter</button></form>` : html``}
${
  entries.length === 0
    ? html`<p class="muted">The outbox is empty.</p>`
    : html`<table class="list"><thead><tr><th>ID</th><th>Kind</th><th>State</th><th>To</th><th>Subject</th><th>Size</th><th>Tries</th><th>Last error</th><th>Actions</th></tr></thead>
<tbody>${entries.slice(0, MAX_ROWS).map((e) => entryRow(ctx, e))}</tbody></table>${entries.length > MAX_ROWS ? html`<p class="muted">${entries.length - MAX_ROWS} more: see <code>appliance-mail outbox</code>.</p>` : html``}`
}`,
    );
  };

  app.get(PATH, async (request, reply) => sendPage(reply, 200, await show(await deps.context(request, reply), deps.api(request))));

  app.post(`${PATH}/retry`, async (request, reply) => {
    try {
      const all = field(request.body, 'all') === 'dead';
      const count = await deps.api(request).retryOutbox(all ? [] : [field(request.body, 'id')], all);
      return deps.done(request, reply, PATH, banner('success', html`Requeued ${String(count)} message(s).`));
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });

  app.post(`${PATH}/flush`, async (request, reply) => {
    const count = await deps.api(request).flushOutbox();
    return deps.done(request, reply, PATH, banner('success', html`${String(count)} deferred message(s) are being tried now.`));
  });

  app.get(`${PATH}/drop`, async (request, reply) => {
    const id = field(request.query, 'id');
    const ctx = await deps.context(request, reply);
    const entry = (await deps.api(request).listOutbox()).find((e) => e.id === id);
    if (entry === undefined) return sendPage(reply, 404, page(ctx, 'Drop a message', html`${banner('error', html`There is no message ${id} in the outbox (sent, or dropped already).`)}<p><a href="${PATH}">Back to the outbox</a></p>`));
    return sendPage(reply, 200, page(ctx, 'Drop a message', dropConfirmation(ctx, entry)));
  });

  app.post(`${PATH}/drop`, async (request, reply) => {
    const id = field(request.body, 'id');
    try {
      await deps.api(request).dropOutbox([id], false);
      return deps.done(request, reply, PATH, banner('success', html`Dropped ${id}.`));
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });

  app.get('/', async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const s = ctx.status;
    const view = s.mailServer;
    const warnings = s.warnings.map((w) => banner('warning', w));
    const configError = s.config.error ? [banner('error', html`Config error: ${s.config.error.message} [${s.config.error.code}]`)] : [];
    return sendPage(
      reply,
      200,
      page(
        ctx,
        'Overview',
        html`${configError}${warnings}
${facts([
  ['Appliance', s.nodeName],
  ['Role and mode', `${s.role}, ${s.mode}`],
  ['Mail server', view.enabled ? `${view.server ?? '?'} (${view.tls ? 'STARTTLS' : 'plain text'}), from ${view.sender ?? '?'}, password ${view.password}` : 'disabled'],
  ['Settings from', s.settingsSource],
  ['Config file', html`<code>${s.config.file}</code>, version ${s.config.version}, applied ${when(s.config.appliedAt)}`],
  ['Outbox', `${s.outbox.queued} queued, ${s.outbox.deferred} deferred, ${s.outbox.dead} dead; ${s.outbox.sentSinceStart} sent since start`],
  ['Last delivery error', s.delivery.lastError?.message ?? 'none'],
  ['Federation', s.primary ? `serving on ${s.primary.listen}: ${s.primary.connected} of ${s.primary.nodes} secondaries connected` : s.secondary ? `primary ${s.secondary.primary}: ${s.secondary.connection}` : 'not federated'],
  ['Daemon', `appliance-mail ${s.daemonVersion}, up ${Math.round(s.uptimeSeconds)} s`],
])}`,
      ),
    );
  });
}
