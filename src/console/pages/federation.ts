/**
 * Federation: on the primary, every secondary (mode, connection, version applied or refused and
 * why, verified or the error; whether it runs the newest settings version, and if not, a page
 * with what differs between the version it runs and the primary's), its own settings' check, join tokens (a new one shown once, with
 * the command to paste; the list, and deletion) and removal; on a secondary, its primary,
 * connection, applied version, its own check of those settings and the centralized/local switch.
 */
import type { FastifyInstance } from 'fastify';
import type { ControlApi } from '../../control/api.js';
import { toAppError } from '../../errors/registry.js';
import { joinCommand } from '../../federation/join-command.js';
import type { NodeView } from '../../federation/primary.js';
import type { SettingsCheck } from '../../federation/settings-check.js';
import type { TokenView } from '../../federation/tokens.js';
import { html, type SafeHtml } from '../../html/template.js';
import { diffTable } from './diff-table.js';
import type { VersionReport } from '../../state/schema.js';
import { banner, csrfField, facts, page, when, type PageContext } from '../layout.js';
import { field, sendPage, type RouteDeps } from '../routes.js';

const PATH = '/federation';

/** This node's last check of its settings against the mail server (connect, EHLO, STARTTLS, AUTH). */
function settingsCheck(check: SettingsCheck | null): SafeHtml {
  if (check === null) return html`<span class="muted">not checked yet</span>`;
  if (check.outcome === 'failed') return html`<span class="fail">version ${check.version} fails from this Appliance: ${check.error}</span> <span class="muted">(${when(check.at)})</span>`;
  if (check.outcome === 'disabled') return html`<span class="muted">version ${check.version}: mail is disabled, nothing to check (${when(check.at)})</span>`;
  return html`<span class="ok">version ${check.version} works from this Appliance</span> <span class="muted">(${when(check.at)})</span>`;
}

function tokenRow(ctx: PageContext, token: TokenView): SafeHtml {
  const state = token.state === 'used' ? html`used by ${token.usedBy ?? '?'} (${when(token.usedAt)})` : token.state === 'expired' ? html`<span class="muted">expired</span>` : html`<span class="ok">usable</span>`;
  return html`<tr><td><code>${token.id}</code></td><td>${when(token.createdAt)}</td><td>${when(token.expiresAt)}</td><td>${state}</td>
<td><form method="post" action="${PATH}/token/delete">${csrfField(ctx.csrf)}<input type="hidden" name="id" value="${token.id}"><button type="submit" class="danger" aria-label="Delete token ${token.id}">Delete</button></form></td></tr>`;
}

function report(value: VersionReport | null, okWord: string): SafeHtml {
  if (value === null) return html`<span class="muted">none yet</span>`;
  if (value.error) return html`<span class="fail">version ${value.version} refused: ${value.error}</span> <span class="muted">(${when(value.at)})</span>`;
  return html`<span class="ok">version ${value.version} ${okWord}</span> <span class="muted">(${when(value.at)})</span>`;
}

const DIFF_PATH = `${PATH}/diff`;

/** Whether a secondary runs the settings version this primary publishes now; if not, a link to what differs. */
function newest(node: NodeView, settingsVersion: number): SafeHtml {
  if (node.mode !== 'centralized') return html`<span class="muted">not taken: local mode keeps its own settings</span>`;
  const applied = node.applied;
  if (applied === null) return html`<span class="fail">no: none applied yet</span>`;
  if (applied.error !== null) {
    return html`<span class="fail">no: it refused version ${applied.version}</span> <a href="/appliance/history?kind=settings-refused&amp;actor=${encodeURIComponent(`secondary ${node.name}`)}">why, in the history</a>`;
  }
  if (applied.version >= settingsVersion) return html`<span class="ok">yes, version ${applied.version}</span>`;
  return html`<span class="fail">no: runs version ${applied.version} of ${settingsVersion}</span> <a href="${DIFF_PATH}?node=${encodeURIComponent(node.name)}" aria-label="What differs for ${node.name}">what differs</a>`;
}

function nodeRow(ctx: PageContext, node: NodeView, settingsVersion: number): SafeHtml {
  return html`<tr>
<td>${node.name}</td><td>${node.mode}</td>
<td>${node.connected ? html`<span class="ok">connected</span>` : html`<span class="muted">last seen ${when(node.lastSeen)}</span>`}</td>
<td>${newest(node, settingsVersion)}</td>
<td>${report(node.applied, 'applied')}</td>
<td>${node.verified?.error ? html`<span class="fail">${node.verified.error}</span>` : report(node.verified, 'verified')}</td>
<td><form method="post" action="${PATH}/nodes/remove">${csrfField(ctx.csrf)}<input type="hidden" name="name" value="${node.name}"><button type="submit" class="danger" aria-label="Remove ${node.name}">Remove</button></form></td>
</tr>`;
}

async function primaryBody(ctx: PageContext, api: ControlApi): Promise<SafeHtml> {
  const primary = ctx.status.primary!;
  const { settingsVersion, nodes } = await api.listNodes();
  const tokens = await api.listTokens();
  return html`${facts([
  ['Serves secondaries on', html`<code>${primary.listen}</code>`],
  ['Secondaries join at', html`<code>${primary.joinAddress}</code>`],
  ['Settings version', String(settingsVersion)],
  ['Own settings checked', settingsCheck(primary.verify)],
  ['Certificate SHA-256', html`<code class="wrap">${primary.certSha256}</code>`],
])}
<h2>Secondaries</h2>
${
  nodes.length === 0
    ? html`<p class="muted">No secondary has joined yet.</p>`
    : html`<table class="list"><thead><tr><th>Name</th><th>Mode</th><th>Connection</th><th>Runs the newest settings</th><th>Applied</th><th>Verified</th><th>Actions</th></tr></thead><tbody>${nodes.map((n) => nodeRow(ctx, n, settingsVersion))}</tbody></table>`
}
<h2>Join a secondary</h2>
<p>A token admits one secondary and is valid for one hour. It is shown once.</p>
<form method="post" action="${PATH}/token">${csrfField(ctx.csrf)}<button type="submit" class="primary">Create join token</button></form>
${
  tokens.length === 0
    ? html``
    : html`<table class="list"><thead><tr><th>Token id</th><th>Created</th><th>Expires</th><th>State</th><th>Actions</th></tr></thead><tbody>${tokens.map((t) => tokenRow(ctx, t))}</tbody></table>`
}`;
}

/** What differs between the settings version a secondary runs and the one this primary publishes now. */
async function diffBody(api: ControlApi, name: string): Promise<[number, SafeHtml]> {
  const back = html`<p><a href="${PATH}">Back to Federation</a></p>`;
  const { settingsVersion, nodes } = await api.listNodes();
  const node = nodes.find((n) => n.name === name);
  if (node === undefined) return [404, html`${banner('error', html`There is no secondary named ${name}; see the list of secondaries. [AM_NODE_UNKNOWN]`)}${back}`];
  const applied = node.applied;
  if (node.mode !== 'centralized' || applied === null || applied.error !== null || applied.version >= settingsVersion) {
    return [200, html`<p>${name}: ${newest(node, settingsVersion)}. There is no older version it runs to compare.</p>${back}`];
  }
  const diff = await api.publishedDiff(applied.version);
  const explain = html`<p>${name} runs settings version ${applied.version} (applied ${when(applied.at)}); this primary publishes version ${settingsVersion}. A secret reads only "changed".</p>`;
  if ('unavailable' in diff) return [200, html`${explain}<p class="muted" id="diff-unavailable">What differs cannot be shown: ${diff.unavailable}.</p>${back}`];
  return [200, html`${explain}${diffTable(diff.changes, `Settings version ${applied.version} (${name}) against version ${settingsVersion} (this primary)`, [`${name} runs (v${applied.version})`, `This primary has (v${settingsVersion})`])}
<p>The <a href="/appliance/history?kind=settings">history</a> says who changed what, and when. ${node.connected ? 'The secondary is connected: it should apply the newest version shortly.' : 'The secondary is not connected: it applies the newest version when it connects again.'}</p>${back}`];
}

function secondaryBody(ctx: PageContext): SafeHtml {
  const secondary = ctx.status.secondary;
  if (secondary === null || ctx.status.mode === 'standalone') {
    return html`<p>This Appliance has not joined a primary. On the primary, create a join token (Federation page or <code>appliance-mail token create</code>), then run here: <code>appliance-mail join --primary HOST:PORT --token TOKEN --centralize</code>.</p>`;
  }
  const other = ctx.status.mode === 'centralized' ? 'local' : 'centralized';
  const explain =
    other === 'local'
      ? 'Local: this Appliance uses the Mail server and recipients of its own config file, and ignores the primary\'s.'
      : 'Centralized: this Appliance takes the primary\'s Mail server and recipients; its own become read-only.';
  return html`${facts([
  ['Primary', html`<code>${secondary.primary}</code>`],
  ['Mode', ctx.status.mode],
  ['Connection', secondary.connection],
  ['Last heard', secondary.lastHeard ? when(secondary.lastHeard) : `not heard from since this daemon started at ${when(new Date(Date.now() - ctx.status.uptimeSeconds * 1000))}`],
  ['Applied version', secondary.appliedVersion > 0 ? `${secondary.appliedVersion} (applied ${when(secondary.appliedAt)})` : 'none yet'],
  ['Mail settings from', ctx.status.settingsSource],
  ...(ctx.status.mode === 'centralized' ? [['Settings checked', settingsCheck(secondary.verify)] as [string, SafeHtml]] : []),
])}
<h2>Settings mode</h2>
<p>${explain}</p>
<form method="post" action="${PATH}/mode">${csrfField(ctx.csrf)}<input type="hidden" name="mode" value="${other}"><button type="submit" class="primary">Switch to ${other}</button></form>`;
}

export function registerFederation(app: FastifyInstance, deps: RouteDeps): void {
  const show = async (ctx: PageContext, api: ControlApi) =>
    page(ctx, 'Federation', ctx.status.primary ? await primaryBody(ctx, api) : ctx.status.role === 'primary' ? html`<p>This primary does not serve secondaries: set <code>federation.listen</code> in its config file.</p>` : secondaryBody(ctx));

  app.get(PATH, async (request, reply) => sendPage(reply, 200, await show(await deps.context(request, reply), deps.api(request))));

  app.get(DIFF_PATH, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const name = String((request.query as Record<string, unknown> | undefined)?.['node'] ?? '').slice(0, 200);
    const [code, body] = ctx.status.primary ? await diffBody(deps.api(request), name) : [404, html`<p>Only a primary serving secondaries compares their settings versions.</p>`];
    return sendPage(reply, code, page(ctx, `Settings of ${name}`, body));
  });

  app.post(`${PATH}/token`, async (request, reply) => {
    try {
      const { token, expiresAt, joinAddress } = await deps.api(request).createToken(0);
      const command = joinCommand(joinAddress, token);
      // Held for this session's next page only: the token is shown once, then forgotten.
      const notice = banner(
        'success',
        html`<p><strong>Join token created</strong>, valid until ${when(expiresAt)}. It is shown only now. On the secondary, run:</p><pre class="command" id="join-command">${command}</pre><p class="muted">Leave out <code>--centralize</code> to keep the secondary's own settings (local).</p>`,
      );
      return deps.done(request, reply, PATH, notice);
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });

  app.post(`${PATH}/token/delete`, async (request, reply) => {
    try {
      const id = await deps.api(request).deleteToken(field(request.body, 'id'));
      return deps.done(request, reply, PATH, banner('success', html`Deleted join token ${id}: it admits nobody now.`));
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });

  app.post(`${PATH}/nodes/remove`, async (request, reply) => {
    const name = field(request.body, 'name');
    try {
      await deps.api(request).removeNode(name);
      return deps.done(request, reply, PATH, banner('success', html`Removed ${name}: its credential no longer works.`));
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });

  app.post(`${PATH}/mode`, async (request, reply) => {
    try {
      const mode = await deps.api(request).setMode(field(request.body, 'mode'));
      return deps.done(request, reply, PATH, banner('success', html`This Appliance is now ${mode}.`));
    } catch (err) {
      return deps.done(request, reply, PATH, errorBanner(err));
    }
  });
}

export function errorBanner(err: unknown): SafeHtml {
  const appError = toAppError(err);
  return banner('error', html`${appError.message} [${appError.code}]`);
}
