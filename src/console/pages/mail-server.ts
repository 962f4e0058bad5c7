/**
 * APPLIANCE → Mail server: the form of the documentation (Enable mail server, SMTP server, Sender
 * email address, Username, Password, Enable TLS, Send test email → SEND, Save changes), and the
 * authentication method with the OAuth2 fields (token URL, client id and secret, scope, grant,
 * refresh token). Secrets (password, client secret, refresh token) never go to the browser: empty
 * keeps them (for the saved destination only, see kept-password.ts), a checkbox clears them. On a centralized secondary the page shows the primary's
 * values, disabled, and the server refuses a save.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TestStep } from '../../relay/test-email.js';
import { toAppError } from '../../errors/registry.js';
import { html, type SafeHtml } from '../../html/template.js';
import { section, setOrDelete, type RawJson } from '../config-file.js';
import { keptOAuth2Issues, keptPasswordIssues } from '../kept-password.js';
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
  auth: 'password' | 'oauth2';
  tokenUrl: string;
  clientId: string;
  /** Typed by the operator, like the password: never rendered. */
  clientSecret: string;
  clearClientSecret: boolean;
  scope: string;
  grant: 'client_credentials' | 'refresh_token';
  /** Typed by the operator: never rendered (the state holds its rotated successors). */
  refreshToken: string;
  clearRefreshToken: boolean;
}

/** Which secrets the file holds, shown only as set or not set. */
interface SecretsSet {
  passwordSet: boolean;
  clientSecretSet: boolean;
  refreshTokenSet: boolean;
}

const NO_OAUTH2 = { auth: 'password', tokenUrl: '', clientId: '', clientSecret: '', clearClientSecret: false, scope: '', grant: 'client_credentials', refreshToken: '', clearRefreshToken: false } as const;

/** Config key of each issue → the form field it is shown beside. */
const FIELD_OF: Record<string, string> = {
  'mailServer.enabled': 'enabled',
  'mailServer.server': 'server',
  'mailServer.sender': 'sender',
  'mailServer.username': 'username',
  'mailServer.password': 'password',
  'mailServer.passwordFile': 'password',
  'mailServer.tls': 'tls',
  'mailServer.auth': 'auth',
  'mailServer.oauth2': 'tokenUrl',
  'mailServer.oauth2.tokenUrl': 'tokenUrl',
  'mailServer.oauth2.clientId': 'clientId',
  'mailServer.oauth2.clientSecret': 'clientSecret',
  'mailServer.oauth2.clientSecretFile': 'clientSecret',
  'mailServer.oauth2.scope': 'scope',
  'mailServer.oauth2.grant': 'grant',
  'mailServer.oauth2.refreshToken': 'refreshToken',
};

interface View extends SecretsSet {
  form: MailForm;
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
    auth: field(body, 'auth') === 'oauth2' ? 'oauth2' : 'password',
    tokenUrl: field(body, 'tokenUrl').trim(),
    clientId: field(body, 'clientId').trim(),
    clientSecret: field(body, 'clientSecret'),
    clearClientSecret: ticked(body, 'clearClientSecret'),
    scope: field(body, 'scope').trim(),
    grant: field(body, 'grant') === 'refresh_token' ? 'refresh_token' : 'client_credentials',
    refreshToken: field(body, 'refreshToken'),
    clearRefreshToken: ticked(body, 'clearRefreshToken'),
  };
}

function formFromFile(json: RawJson): { form: MailForm } & SecretsSet {
  const mailServer = (typeof json['mailServer'] === 'object' && json['mailServer'] !== null ? json['mailServer'] : {}) as RawJson;
  const o = (typeof mailServer['oauth2'] === 'object' && mailServer['oauth2'] !== null ? mailServer['oauth2'] : {}) as RawJson;
  const text = (from: RawJson, key: string) => (typeof from[key] === 'string' ? (from[key] as string) : '');
  return {
    form: {
      enabled: mailServer['enabled'] === true,
      server: text(mailServer, 'server'),
      sender: text(mailServer, 'sender'),
      username: text(mailServer, 'username'),
      password: '',
      clearPassword: false,
      tls: mailServer['tls'] !== false,
      ...NO_OAUTH2,
      auth: mailServer['auth'] === 'oauth2' ? 'oauth2' : 'password',
      tokenUrl: text(o, 'tokenUrl'),
      clientId: text(o, 'clientId'),
      scope: text(o, 'scope'),
      grant: o['grant'] === 'refresh_token' ? 'refresh_token' : 'client_credentials',
    },
    passwordSet: mailServer['password'] !== undefined || mailServer['passwordFile'] !== undefined,
    clientSecretSet: o['clientSecret'] !== undefined || o['clientSecretFile'] !== undefined,
    refreshTokenSet: o['refreshToken'] !== undefined,
  };
}

/**
 * The form's values written into the file's JSON; everything else in the file stays. Refused
 * when it would keep the saved password for another destination.
 */
function mailEdit(form: MailForm) {
  return (json: RawJson) => {
    const mailServer = section(json, 'mailServer');
    const refused = [...keptPasswordIssues({ ...mailServer }, form), ...keptOAuth2Issues({ ...mailServer }, form)];
    mailServer['enabled'] = form.enabled;
    setOrDelete(mailServer, 'server', form.server);
    setOrDelete(mailServer, 'sender', form.sender);
    setOrDelete(mailServer, 'username', form.username);
    if (form.clearPassword) {
      delete mailServer['password'];
      delete mailServer['passwordFile'];
    } else if (form.password !== '') {
      mailServer['password'] = form.password;
      delete mailServer['passwordFile'];
    }
    mailServer['tls'] = form.tls;
    if (form.auth === 'password') {
      // The default: no key, as a file written by hand would have it; the OAuth2 section would be refused.
      delete mailServer['auth'];
      delete mailServer['oauth2'];
      return refused;
    }
    mailServer['auth'] = 'oauth2';
    // The token replaces the password (the settings refuse both): choosing OAuth2 drops it.
    delete mailServer['password'];
    delete mailServer['passwordFile'];
    const o = section(mailServer, 'oauth2');
    setOrDelete(o, 'tokenUrl', form.tokenUrl);
    setOrDelete(o, 'clientId', form.clientId);
    setOrDelete(o, 'scope', form.scope);
    o['grant'] = form.grant;
    if (form.clearClientSecret) {
      delete o['clientSecret'];
      delete o['clientSecretFile'];
    } else if (form.clientSecret !== '') {
      o['clientSecret'] = form.clientSecret;
      delete o['clientSecretFile'];
    }
    if (form.clearRefreshToken || form.grant === 'client_credentials') delete o['refreshToken'];
    else if (form.refreshToken !== '') o['refreshToken'] = form.refreshToken;
    return refused;
  };
}

/** A choice among a few values, with the config key beside it as every field has. */
function choice(f: { label: string; configKey: string; name: string; value: string; options: ReadonlyArray<[string, string]>; disabled: boolean; error?: string | undefined; hint?: string }): SafeHtml {
  const id = `f-${f.name}`;
  return html`<div class="field${f.error ? ' invalid' : ''}">
<label for="${id}">${f.label}</label> <code class="key">${f.configKey}</code>
<select id="${id}" name="${f.name}"${f.disabled ? html` disabled` : html``}>${f.options.map(([value, label]) => html`<option value="${value}"${value === f.value ? html` selected` : html``}>${label}</option>`)}</select>
${f.hint ? html`<p class="hint">${f.hint}</p>` : html``}${f.error ? html`<p class="field-error" id="${id}-error">${f.error}</p>` : html``}
</div>`;
}

/** A secret's input: empty, with "set"/"not set" as placeholder, and a checkbox to clear it. */
function secretField(f: { label: string; configKey: string; name: string; clearName: string; set: boolean; disabled: boolean; error?: string | undefined }): SafeHtml {
  return html`${textField({
    label: f.label,
    configKey: f.configKey,
    name: f.name,
    type: 'password',
    value: '',
    error: f.error,
    disabled: f.disabled,
    autocomplete: 'new-password',
    placeholder: f.set ? (f.disabled ? 'set' : 'set (leave empty to keep it)') : 'not set',
  })}
${f.disabled ? html`` : checkbox({ label: `Clear the saved ${f.label.toLowerCase()}`, configKey: f.configKey, name: f.clearName, checked: false, hint: 'never shown; tick this to remove it' })}`;
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
${choice({
  label: 'Authentication',
  configKey: 'mailServer.auth',
  name: 'auth',
  value: form.auth,
  options: [
    ['password', 'Username and password'],
    ['oauth2', 'OAuth2 (Microsoft 365, Google)'],
  ],
  disabled,
  error: errors.get('auth'),
  hint: 'OAuth2: the username is the mailbox; the password is not used; TLS is required',
})}
</fieldset>
<fieldset class="oauth2"${disabled ? html` disabled` : html``}>
<legend>OAuth2 (with Authentication: OAuth2)</legend>
${textField({ label: 'Token URL', configKey: 'mailServer.oauth2.tokenUrl', name: 'tokenUrl', value: form.tokenUrl, error: errors.get('tokenUrl'), disabled, placeholder: 'https://login.microsoftonline.com/TENANT-ID/oauth2/v2.0/token' })}
${textField({ label: 'Client ID', configKey: 'mailServer.oauth2.clientId', name: 'clientId', value: form.clientId, error: errors.get('clientId'), disabled })}
${secretField({ label: 'Client secret', configKey: 'mailServer.oauth2.clientSecret', name: 'clientSecret', clearName: 'clearClientSecret', set: view.clientSecretSet, disabled, error: errors.get('clientSecret') })}
${textField({ label: 'Scope', configKey: 'mailServer.oauth2.scope', name: 'scope', value: form.scope, error: errors.get('scope'), disabled, placeholder: 'https://outlook.office365.com/.default' })}
${choice({
  label: 'Grant',
  configKey: 'mailServer.oauth2.grant',
  name: 'grant',
  value: form.grant,
  options: [
    ['client_credentials', 'Client credentials (app-only; Microsoft 365)'],
    ['refresh_token', 'Refresh token (from a one-time consent; Google)'],
  ],
  disabled,
  error: errors.get('grant'),
})}
${secretField({ label: 'Refresh token', configKey: 'mailServer.oauth2.refreshToken', name: 'refreshToken', clearName: 'clearRefreshToken', set: view.refreshTokenSet, disabled, error: errors.get('refreshToken') })}
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
  return html`<li class="${step.ok ? 'ok' : 'fail'}"><strong>${step.step}</strong> ${step.ok ? 'ok' : 'FAILED'}: ${step.detail}${step.hint ? html`<p class="hint">Fix: ${step.hint}</p>` : html``}</li>`;
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

/** The primary's effective values, as the status shows them (no secret, only set/unset). */
function effectiveView(ctx: PageContext): { form: MailForm } & SecretsSet {
  const view = ctx.status.mailServer;
  const o = view.oauth2;
  return {
    form: {
      enabled: view.enabled,
      server: view.server ?? '',
      sender: view.sender ?? '',
      username: view.username ?? '',
      password: '',
      clearPassword: false,
      tls: view.tls,
      ...NO_OAUTH2,
      auth: view.auth,
      tokenUrl: o?.tokenUrl ?? '',
      clientId: o?.clientId ?? '',
      grant: o?.grant === 'refresh_token' ? 'refresh_token' : 'client_credentials',
    },
    passwordSet: view.password === 'set',
    clientSecretSet: o?.clientSecret === 'set',
    refreshTokenSet: o?.refreshToken === 'set',
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
    const secrets = current ? formFromFile(current.json) : { passwordSet: false, clientSecretSet: false, refreshTokenSet: false };
    const typedAway = { password: '', clientSecret: '', refreshToken: '' };
    return sendPage(reply, 422, render(ctx, { form: { ...form, ...typedAway }, passwordSet: secrets.passwordSet, clientSecretSet: secrets.clientSecretSet, refreshTokenSet: secrets.refreshTokenSet, digest: field(request.body, 'version'), errors: byField, notices }, null));
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
    const view: View = readOnly ? { ...base, steps } : { ...base, form: { ...formFromBody(request.body), password: '', clientSecret: '', refreshToken: '' }, digest: field(request.body, 'version'), errors, steps };
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
