/**
 * APPLIANCE → Mail server: the form of the documentation (Enable mail server, SMTP server, Sender
 * email address, Username, Password, Enable TLS, Send test email → SEND, Save changes), made from
 * the mailServer settings' declarations (settings-form.ts), with the password and CA files, and
 * the OAuth2 fields shown only with Authentication OAuth2. The saved password and OAuth2 secrets
 * are kept only for the destination they were saved for (kept-password.ts).
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../../errors/registry.js';
import { html, type SafeHtml } from '../../html/template.js';
import { endpointName } from '../../settings/oauth2.js';
import type { TestStep } from '../../relay/test-email.js';
import { serverAddress } from '../../settings/view.js';
import { keptOAuth2Issues, keptPasswordIssues } from '../kept-password.js';
import type { PageContext } from '../layout.js';
import { field, sendPage, type RouteDeps } from '../routes.js';
import { registerSettingsForm, type FormValues, type FormView, type SettingsForm, type SettingsFormSpec } from '../settings-form.js';
import type { RawJson } from '../config-file.js';

const PATH = '/appliance/mail-server';
const MS = 'mailServer';
const O = 'mailServer.oauth2';

const SPEC: Omit<SettingsFormSpec, 'extra'> = {
  path: PATH,
  title: 'Mail server',
  groups: [
    { keys: [`${MS}.enabled`, `${MS}.server`, `${MS}.sender`, `${MS}.tls`, `${MS}.caFile`, `${MS}.heloName`] },
    { legend: 'Authentication', keys: [`${MS}.auth`, `${MS}.username`] },
    { legend: 'Password', keys: [`${MS}.password`, `${MS}.passwordFile`, `${MS}.allowPlaintextAuth`], when: [{ key: `${MS}.auth`, value: 'password' }] },
    { legend: 'OAuth2', keys: [`${O}.tokenUrl`, `${O}.clientId`, `${O}.clientSecret`, `${O}.clientSecretFile`, `${O}.scope`, `${O}.grant`], when: [{ key: `${MS}.auth`, value: 'oauth2' }] },
    {
      legend: 'OAuth2 refresh token',
      keys: [`${O}.refreshToken`],
      when: [
        { key: `${MS}.auth`, value: 'oauth2' },
        { key: `${O}.grant`, value: 'refresh_token' },
      ],
    },
  ],
  secretFiles: { [`${MS}.password`]: `${MS}.passwordFile`, [`${O}.clientSecret`]: `${O}.clientSecretFile` },
  check: keptSecretIssues,
  effective: primaryValues,
};

/** The saved password and OAuth2 secrets are kept only for the destination they were saved for. */
function keptSecretIssues(saved: RawJson, form: FormValues) {
  const text = (key: string) => String(form.values.get(key) ?? '');
  const ms = (saved[MS] ?? {}) as RawJson;
  const destination = { server: text(`${MS}.server`), username: text(`${MS}.username`), tls: form.values.get(`${MS}.tls`) === true };
  const auth = text(`${MS}.auth`) === 'oauth2' ? 'oauth2' : 'password';
  return [
    ...(auth === 'password' ? keptPasswordIssues(ms, { ...destination, password: text(`${MS}.password`), clearPassword: form.cleared.has(`${MS}.password`) }) : []),
    ...keptOAuth2Issues(ms, {
      ...destination,
      auth,
      tokenUrl: text(`${O}.tokenUrl`),
      clientId: text(`${O}.clientId`),
      clientSecret: text(`${O}.clientSecret`),
      clearClientSecret: form.cleared.has(`${O}.clientSecret`),
      refreshToken: text(`${O}.refreshToken`),
      clearRefreshToken: form.cleared.has(`${O}.refreshToken`),
    }),
  ];
}

/** The primary's settings in force on a centralized secondary: no secret, only whether it is set. */
function primaryValues(_ctx: PageContext, deps: RouteDeps) {
  const s = deps.effective.current().mailServer;
  const o = s.oauth2;
  const values = new Map<string, string | boolean>([
    [`${MS}.enabled`, s.enabled],
    [`${MS}.server`, serverAddress(s) ?? ''],
    [`${MS}.sender`, s.sender ?? ''],
    [`${MS}.tls`, s.tls],
    [`${MS}.auth`, s.auth],
    [`${MS}.username`, s.username ?? ''],
    [`${MS}.allowPlaintextAuth`, s.allowPlaintextAuth],
    [`${O}.tokenUrl`, o ? endpointName(o.tokenUrl) : ''],
    [`${O}.clientId`, o?.clientId ?? ''],
    [`${O}.scope`, o?.scope ?? ''],
    [`${O}.grant`, o?.grant ?? 'client_credentials'],
  ]);
  const secretsSet = new Set([...(s.password !== null ? [`${MS}.password`] : []), ...(o?.clientSecret ? [`${O}.clientSecret`] : []), ...(o?.refreshToken ? [`${O}.refreshToken`] : [])]);
  return { values, secretsSet };
}

function testSection(ctx: PageContext, view: FormView & { steps?: TestStep[] }): SafeHtml {
  const centralized = ctx.status.mode === 'centralized';
  return html`<section class="test" aria-labelledby="test-title">
<h2 id="test-title">Send test email</h2>
<p>${centralized ? "Sends one message now through the settings in force (the primary's)." : 'Sends one message now, with the values above (not yet saved), to the notification recipients.'}</p>
<button type="submit" formaction="${PATH}/test" data-test-email>SEND</button>
<ol id="test-steps" class="steps" aria-live="polite">${(view.steps ?? []).map(stepItem)}</ol>
</section>`;
}

function stepItem(step: TestStep): SafeHtml {
  return html`<li class="${step.ok ? 'ok' : 'fail'}"><strong>${step.step}</strong> ${step.ok ? 'ok' : 'FAILED'}: ${step.detail}${step.hint ? html`<p class="hint">Fix: ${step.hint}</p>` : html``}</li>`;
}

export function registerMailServer(app: FastifyInstance, deps: RouteDeps): void {
  const form: SettingsForm = registerSettingsForm(app, deps, { ...SPEC, extra: testSection });

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
      if (ctx.status.mode === 'centralized') return deps.api(request).testEmail([], onStep);
      const file = await deps.configFile.read();
      const candidate = deps.configFile.candidate(file, form.edit(ctx, request.body));
      if ('issues' in candidate) {
        const placed = form.placeIssues(candidate.issues);
        errors = placed.byField;
        const lines = candidate.issues.map((issue) => `${issue.path}: ${issue.message}`);
        onStep({ step: 'settings', ok: false, detail: `the form's values are not valid: ${lines.join('; ')}` });
        return;
      }
      await deps.api(request).testMailServer(candidate.config.mailServer, candidate.config.notifications.recipients, onStep);
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
    const view = ctx.status.mode === 'centralized' ? await form.view(ctx) : await form.postedView(ctx, request.body, errors);
    return sendPage(reply, 200, form.render(ctx, { ...view, steps } as FormView));
  }
}
