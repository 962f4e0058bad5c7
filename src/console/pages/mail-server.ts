/**
 * APPLIANCE → Mail server: the form of the documentation (Enable mail server, SMTP server, Sender
 * email address, Username, Password, Enable TLS, Send test email → SEND, Save changes). The
 * password never goes to the browser: empty keeps it (for the saved destination only, see
 * kept-password.ts), a checkbox clears it. On a centralized
 * secondary the page shows the primary's values, disabled, and the server refuses a save.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TestStep } from '../../relay/test-email.js';
import { toAppError } from '../../errors/registry.js';
import { html, type SafeHtml } from '../../notify/html.js';
import { section, setOrDelete, type RawJson } from '../config-file.js';
import { keptPasswordIssues } from '../kept-password.js';
import { banner, checkbox, csrfField, page, textField, when, type PageContext } from '../layout.js';
import { field, placeIssues, sendPage, ticked, type RouteDeps } from '../routes.js';

const PATH = '/appliance/mail-server';

interface MailForm {
  enabled: boolean;
  server: string;
  sender: string;
  username: string;
  /** Typed by the operator; only ever written to the file, never rendered. */
  password: string;
  clearPassword: boolean;
  tls: boolean;
}

/** Config key of each issue → the form field it is shown beside. */
const FIELD_OF: Record<string, string> = {
  'mailServer.enabled': 'enabled',
  'mailServer.server': 'server',
  'mailServer.sender': 'sender',
  'mailServer.username': 'username',
  'mailServer.password': 'password',
  'mailServer.passwordFile': 'password',
  'mailServer.tls': 'tls',
};

interface View {
  form: MailForm;
  passwordSet: boolean;
  digest: string;
  errors?: Map<string, string>;
  notices?: SafeHtml[];
  steps?: TestStep[];
}

function formFromBody(body: unknown): MailForm {
  return {
    enabled: ticked(body, 'enabled'),
    server: field(body, 'server').trim(),
    sender: field(body, 'sender').trim(),
    username: field(body, 'username').trim(),
    password: field(body, 'password'),
    clearPassword: ticked(body, 'clearPassword'),
    tls: ticked(body, 'tls'),
  };
}

function formFromFile(json: RawJson): { form: MailForm; passwordSet: boolean } {
  const ms = (typeof json['mailServer'] === 'object' && json['mailServer'] !== null ? json['mailServer'] : {}) as RawJson;
  const text = (key: string) => (typeof ms[key] === 'string' ? (ms[key] as string) : '');
  return {
    form: { enabled: ms['enabled'] === true, server: text('server'), sender: text('sender'), username: text('username'), password: '', clearPassword: false, tls: ms['tls'] !== false },
    passwordSet: ms['password'] !== undefined || ms['passwordFile'] !== undefined,
  };
}

/**
 * The form's values written into the file's JSON; everything else in the file stays. Refused
 * when it would keep the saved password for another destination.
 */
function mailEdit(form: MailForm) {
  return (json: RawJson) => {
    const ms = section(json, 'mailServer');
    const refused = keptPasswordIssues({ ...ms }, form);
    ms['enabled'] = form.enabled;
    setOrDelete(ms, 'server', form.server);
    setOrDelete(ms, 'sender', form.sender);
    setOrDelete(ms, 'username', form.username);
    if (form.clearPassword) {
      delete ms['password'];
      delete ms['passwordFile'];
    } else if (form.password !== '') {
      ms['password'] = form.password;
      delete ms['passwordFile'];
    }
    ms['tls'] = form.tls;
    return refused;
  };
}

function render(ctx: PageContext, view: View, readOnly: SafeHtml | null): string {
  const { form, errors = new Map<string, string>() } = view;
  const disabled = readOnly !== null;
  const body = html`${readOnly ?? html``}${view.notices ?? []}
<form method="post" action="${PATH}" class="settings" novalidate>
${csrfField(ctx.csrf)}<input type="hidden" name="version" value="${view.digest}">
<fieldset${disabled ? html` disabled` : html``}>
${checkbox({ label: 'Enable mail server', configKey: 'mailServer.enabled', name: 'enabled', checked: form.enabled, error: errors.get('enabled'), disabled })}
${textField({ label: 'SMTP server', configKey: 'mailServer.server', name: 'server', value: form.server, error: errors.get('server'), disabled, placeholder: 'smtp.example.com:587', hint: 'host or host:port; port 25 when omitted' })}
${textField({ label: 'Sender email address', configKey: 'mailServer.sender', name: 'sender', type: 'email', value: form.sender, error: errors.get('sender'), disabled, placeholder: 'alerts@example.com' })}
${textField({ label: 'Username', configKey: 'mailServer.username', name: 'username', value: form.username, error: errors.get('username'), disabled, autocomplete: 'off' })}
${textField({
  label: 'Password',
  configKey: 'mailServer.password',
  name: 'password',
  type: 'password',
  value: '',
  error: errors.get('password'),
  disabled,
  autocomplete: 'new-password',
  placeholder: view.passwordSet ? (disabled ? 'set' : 'set (leave empty to keep it)') : 'not set',
})}
${disabled ? html`` : checkbox({ label: 'Clear the saved password', configKey: 'mailServer.password', name: 'clearPassword', checked: false, hint: 'the password is never shown; tick this to remove it' })}
${checkbox({ label: 'Enable TLS', configKey: 'mailServer.tls', name: 'tls', checked: form.tls, error: errors.get('tls'), disabled, hint: 'STARTTLS is required; never a fall-back to plain text' })}
</fieldset>
<section class="test" aria-labelledby="test-title">
<h2 id="test-title">Send test email</h2>
<p>${disabled ? 'Sends one message now through the settings in force (the primary\'s).' : 'Sends one message now, with the values above (not yet saved), to the notification recipients.'}</p>
<button type="submit" formaction="${PATH}/test" data-test-email>SEND</button>
<ol id="test-steps" class="steps" aria-live="polite">${(view.steps ?? []).map(stepItem)}</ol>
</section>
${disabled ? html`` : html`<div class="actions"><button type="submit" class="primary">Save changes</button></div>`}
</form>`;
  return page(ctx, 'Mail server', body);
}

function stepItem(step: TestStep): SafeHtml {
  return html`<li class="${step.ok ? 'ok' : 'fail'}"><strong>${step.step}</strong> ${step.ok ? 'ok' : 'FAILED'}: ${step.detail}</li>`;
}

/** The banner of a centralized secondary: whose settings these are and how to change them. */
function readOnlyBanner(ctx: PageContext): SafeHtml | null {
  if (ctx.status.mode !== 'centralized') return null;
  const secondary = ctx.status.secondary;
  return banner(
    'info',
    html`<strong>Read-only: this Appliance is centralized.</strong> These are the settings of its primary <code>${secondary?.primary ?? 'unknown'}</code>,
version ${secondary?.appliedVersion ?? 0}, applied ${when(secondary?.appliedAt)}.
To change them, edit the Mail server page (or config file) on the primary, or switch this Appliance to local settings on the <a href="/federation">Federation</a> page.`,
  );
}

/** The primary's effective values, as the status shows them (no password, only set/unset). */
function effectiveView(ctx: PageContext): { form: MailForm; passwordSet: boolean } {
  const view = ctx.status.mailServer;
  return {
    form: { enabled: view.enabled, server: view.server ?? '', sender: view.sender ?? '', username: view.username ?? '', password: '', clearPassword: false, tls: view.tls },
    passwordSet: view.password === 'set',
  };
}

export function registerMailServer(app: FastifyInstance, deps: RouteDeps): void {
  async function fromFile(ctx: PageContext): Promise<View> {
    if (ctx.status.mode === 'centralized') return { ...effectiveView(ctx), digest: '' };
    const file = await deps.configFile.read();
    return { ...formFromFile(file.json), digest: file.digest };
  }

  app.get(PATH, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const view = await fromFile(ctx);
    const saved = (request.query as Record<string, string | undefined>)['saved'];
    if (saved !== undefined && ctx.status.mode !== 'centralized') view.notices = [savedNotice(deps, saved)];
    return sendPage(reply, 200, render(ctx, view, readOnlyBanner(ctx)));
  });

  app.post(PATH, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const readOnly = readOnlyBanner(ctx);
    if (readOnly) {
      const notices = [banner('error', html`Refused: the Mail server of a centralized Appliance comes from its primary; nothing was saved. [AM_READ_ONLY]`)];
      return sendPage(reply, 403, render(ctx, { ...(await fromFile(ctx)), notices }, readOnly));
    }
    const form = formFromBody(request.body);
    const result = await deps.configFile.save(field(request.body, 'version'), mailEdit(form));
    if (result.ok) return reply.redirect(`${PATH}?saved=${encodeURIComponent(result.version)}`, 303);
    if (result.code === 'AM_CONFIG_CHANGED') {
      const notices = [banner('error', html`${result.message} [${result.code}]`)];
      return sendPage(reply, 409, render(ctx, { ...(await fromFile(ctx)), notices }, null));
    }
    const { byField, other } = placeIssues(result.issues, FIELD_OF);
    const notices = [banner('error', html`${result.message} [${result.code}]${other.length ? html`<ul>${other.map((line) => html`<li>${line}</li>`)}</ul>` : html``}`)];
    const current = await deps.configFile.read().catch(() => null);
    const passwordSet = current ? formFromFile(current.json).passwordSet : false;
    return sendPage(reply, 422, render(ctx, { form: { ...form, password: '' }, passwordSet, digest: field(request.body, 'version'), errors: byField, notices }, null));
  });

  app.post(`${PATH}/test`, async (request, reply) => {
    const ctx = await deps.context(request, reply);
    const streamed = (request.headers.accept ?? '').includes('application/x-ndjson');
    const steps: TestStep[] = [];
    let errors = new Map<string, string>();
    const out = streamed ? new PassThrough() : null;
    const onStep = (step: TestStep) => {
      steps.push(step);
      out?.write(`${JSON.stringify(step)}\n`);
    };
    const run = async () => {
      if (ctx.status.mode === 'centralized') return deps.api.testEmail([], onStep);
      const file = await deps.configFile.read();
      const candidate = deps.configFile.candidate(file, mailEdit(formFromBody(request.body)));
      if ('issues' in candidate) {
        const placed = placeIssues(candidate.issues, FIELD_OF);
        errors = placed.byField;
        const lines = candidate.issues.map((issue) => `${issue.path}: ${issue.message}`);
        onStep({ step: 'settings', ok: false, detail: `the form's values are not valid: ${lines.join('; ')}` });
        return;
      }
      await deps.api.testMailServer(candidate.config.mailServer, candidate.config.notifications.recipients, onStep);
    };
    const finished = run().catch((err: unknown) => onStep({ step: 'settings', ok: false, detail: toAppError(err).message }));
    if (out) {
      void finished.then(() => out.end());
      return reply.type('application/x-ndjson; charset=utf-8').header('x-content-type-options', 'nosniff').send(out);
    }
    await finished;
    return renderAfterTest(ctx, request, reply, steps, errors);
  });

  /** Without JavaScript: the page again, with the form's values and the steps below SEND. */
  async function renderAfterTest(ctx: PageContext, request: FastifyRequest, reply: FastifyReply, steps: TestStep[], errors: Map<string, string>) {
    const readOnly = readOnlyBanner(ctx);
    const base = await fromFile(ctx);
    const view: View = readOnly ? { ...base, steps } : { ...base, form: { ...formFromBody(request.body), password: '' }, digest: field(request.body, 'version'), errors, steps };
    return sendPage(reply, 200, render(ctx, view, readOnly));
  }
}

/** After a save: applied (the page shows the config in force) or written but not yet applied. */
export function savedNotice(deps: RouteDeps, version: string): SafeHtml {
  const current = deps.config.current();
  if (current.version === version) return banner('success', html`Saved to <code>${current.file}</code>; version ${version} applied ${when(deps.config.appliedAt())}.`);
  const error = deps.config.lastError();
  return banner('warning', html`Written as version ${version}, not applied yet${error ? html`: ${error.message}` : html``}. The page shows the file.`);
}
