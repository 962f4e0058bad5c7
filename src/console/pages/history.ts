/**
 * APPLIANCE → History: the audit trail, newest first, filtered by kind and actor; each entry with
 * its field diff; "Revert to this" through a confirmation page (a plain GET then a POST: it works
 * without JavaScript) that shows what the revert changes, then POST-redirect-GET to the revert's
 * own entry. On a centralized secondary the settings from the primary carry the primary's
 * version and are reverted on the primary, not here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUDIT_KINDS, type AuditEntry, type AuditKind } from '../../audit/entry.js';
import { html, type SafeHtml } from '../../html/template.js';
import { banner, csrfField, facts, page, when } from '../layout.js';
import { field, sendPage, type RouteDeps } from '../routes.js';
import { diffTable } from './diff-table.js';
import { errorBanner } from './federation.js';

const PATH = '/appliance/history';
/** A page shows this many entries; older ones through the CLI (history --json) or a filter. */
const PAGE_ENTRIES = 200;
const ENTRY_ID = /^[1-9]\d{0,8}$/;

function query(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 100) : '';
}

function kindOf(text: string): AuditKind | undefined {
  return (AUDIT_KINDS as readonly string[]).includes(text) ? (text as AuditKind) : undefined;
}

function actorCell(e: AuditEntry): SafeHtml {
  return e.address ? html`${e.actor} <span class="muted">from ${e.address}</span>` : html`${e.actor}`;
}

function filterForm(kind: string, actor: string): SafeHtml {
  return html`<form method="get" action="${PATH}" class="filters">
<div class="field"><label for="f-kind">Kind</label><select id="f-kind" name="kind"><option value="">every kind</option>${AUDIT_KINDS.map((k) => html`<option value="${k}"${k === kind ? html` selected` : html``}>${k}</option>`)}</select></div>
<div class="field"><label for="f-actor">Actor contains</label><input id="f-actor" name="actor" type="text" value="${actor}" autocomplete="off"></div>
<button type="submit">Filter</button></form>`;
}

function listBody(entries: readonly AuditEntry[], kind: string, actor: string): SafeHtml {
  const rows = entries.map(
    (e) => html`<tr><td><a href="${PATH}/${String(e.id)}">#${String(e.id)}</a></td><td>${when(e.at)}</td><td>${e.kind}</td><td>${actorCell(e)}</td><td>${e.door}</td><td>${e.summary}</td><td>${e.version ?? ''}</td></tr>`,
  );
  return html`<p>Every change of settings or of who may do what on this Appliance, with who made it and through which door. Secrets are never shown: a changed password reads "changed".</p>
${filterForm(kind, actor)}
${
  entries.length === 0
    ? html`<p class="muted">No entry matches.</p>`
    : html`<table class="list" id="history"><thead><tr><th scope="col">Entry</th><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Actor</th><th scope="col">Door</th><th scope="col">Summary</th><th scope="col">Version</th></tr></thead><tbody>${rows}</tbody></table>`
}`;
}

export function registerHistory(app: FastifyInstance, deps: RouteDeps): void {
  async function entryPage(request: FastifyRequest, reply: FastifyReply, id: number, extra: SafeHtml[], statusCode = 200) {
    const ctx = await deps.context(request, reply);
    const plan = await deps.api(request).historyEntry(id);
    const e = plan.entry;
    const revert =
      plan.refused === null
        ? html`<h2>Revert to this</h2><p>Writes this configuration back to the config file, which then applies as any edit does.</p><p><a class="button" href="${PATH}/${String(id)}/revert">Revert to this…</a></p>`
        : e.version !== undefined
          ? html`<h2>Revert to this</h2><p id="revert-refused">Cannot be reverted to here: ${plan.refused}.</p>`
          : html``;
    return sendPage(
      reply,
      statusCode,
      page(
        ctx,
        `History: entry #${id}`,
        html`${extra}${facts([
          ['Time', when(e.at)],
          ['Kind', e.kind],
          ['Actor', actorCell(e)],
          ['Door', e.door],
          ['Summary', e.summary],
          ...(e.version ? [['Version', `${e.version}${e.kept ? ' (configuration kept)' : ''}`] as [string, string]] : []),
          ...(e.reason ? [['Reason', e.reason] as [string, string]] : []),
          ...(e.revertOf ? [['Revert of', html`<a href="${PATH}/${String(e.revertOf)}">#${String(e.revertOf)}</a>`] as [string, SafeHtml]] : []),
        ])}
${e.changes ? html`<h2>What changed</h2>${diffTable(e.changes, `Fields changed by entry #${id}`)}` : html``}
${revert}
<p><a href="${PATH}">Back to the history</a></p>`,
      ),
    );
  }

  async function confirmPage(request: FastifyRequest, reply: FastifyReply, id: number, extra: SafeHtml[], statusCode = 200) {
    const ctx = await deps.context(request, reply);
    const plan = await deps.api(request).historyEntry(id);
    const body =
      plan.refused !== null
        ? html`${extra}${banner('error', html`This entry cannot be reverted to: ${plan.refused}. [AM_REVERT_REFUSED]`)}`
        : html`${extra}<p>Reverting to entry #${String(id)} (version ${plan.entry.version ?? ''}) writes that configuration back to the config file. Compared with the configuration in force, it changes:</p>
${diffTable(plan.changes, 'What the revert changes')}
<form method="post" action="${PATH}/${String(id)}/revert">${csrfField(ctx.csrf)}<input type="hidden" name="digest" value="${plan.fileDigest}">
<button type="submit" class="danger" id="confirm-revert">Yes, write it back</button> <a href="${PATH}/${String(id)}">Cancel</a></form>`;
    return sendPage(reply, statusCode, page(ctx, `Revert to entry #${id}?`, body));
  }

  const idOf = (request: FastifyRequest): number | null => {
    const text = (request.params as { id?: string }).id ?? '';
    return ENTRY_ID.test(text) ? Number(text) : null;
  };

  app.get(PATH, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const kind = query(request, 'kind');
    const actor = query(request, 'actor');
    const kindFilter = kindOf(kind);
    const entries = await deps.api(request).history({ limit: PAGE_ENTRIES, ...(kindFilter ? { kind: kindFilter } : {}), ...(actor === '' ? {} : { actor }) });
    return sendPage(reply, 200, page(ctx, 'History', listBody(entries, kind, actor)));
  });

  app.get(`${PATH}/:id`, async (request, reply) => {
    const id = idOf(request);
    if (id === null) return reply.callNotFound();
    const reverted = query(request, 'reverted');
    const notice = ENTRY_ID.test(reverted) ? [banner('success', html`Reverted to entry #${reverted}: the configuration is written and in force. This is the revert's own entry.`)] : [];
    return entryPage(request, reply, id, notice);
  });

  app.get(`${PATH}/:id/revert`, async (request, reply) => {
    const id = idOf(request);
    if (id === null) return reply.callNotFound();
    return confirmPage(request, reply, id, []);
  });

  app.post(`${PATH}/:id/revert`, async (request, reply) => {
    const id = idOf(request);
    if (id === null) return reply.callNotFound();
    try {
      const result = await deps.api(request).revert(id, field(request.body, 'digest') || 'none given');
      if (!result.applied || result.entry === null) {
        return await entryPage(request, reply, id, [banner('warning', html`Written as version ${result.version}, but not applied yet: the Overview shows the config's state.`)], 202);
      }
      return reply.redirect(`${PATH}/${String(result.entry.id)}?reverted=${String(id)}`, 303);
    } catch (err) {
      return confirmPage(request, reply, id, [errorBanner(err)], 409);
    }
  });
}
