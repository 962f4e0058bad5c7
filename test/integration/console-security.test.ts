/**
 * The Web Console's security review, on a real daemon over HTTPS (no browser: what a script with
 * or without a session sends): the saved SMTP password is kept only for its own destination;
 * login attempts are counted before the password check, and only a few checks run at once;
 * sessions end when their account's password changes or the account is removed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CHECKS_IN_FLIGHT, LOGIN_FAILURES_PER_USER } from '../../src/console/login-guard.js';
import { RETYPE_PASSWORD } from '../../src/console/kept-password.js';
import { baseConfig, runCli, tempDir, type Json } from '../helpers/daemon.js';
import { consoleClient, hiddenField, shownFormValues, type ConsoleClient, type ConsoleResponse } from '../helpers/console-http.js';
import { startNode, type Node } from '../helpers/fleet.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { closeAll } from '../helpers/cleanup.js';

const SMTP_PASSWORD = 'Saved-Smtp-Pa55word';
const ADMIN_PASSWORD = 'Admin-Pa55-console';
const OPER_PASSWORD = 'Oper-Pa55-console';
const MAIL_PAGE = '/appliance/mail-server';

describe('web console security', () => {
  let smtp: SmtpSink;
  /** A server an administrator could point the form at: it records every AUTH it is sent. */
  let attacker: SmtpSink;
  let node: Node;
  let url: string;

  const passwd = async (name: string, password: string) => {
    const result = await runCli(['console', 'passwd', name, '--config', node.configPath], { input: `${password}\n` });
    expect(result.stderr).toBe('');
  };
  const loggedIn = async (user: string, password: string): Promise<ConsoleClient> => {
    const client = consoleClient(url);
    const response = await client.logIn(user, password);
    expect(response.status).toBe(303);
    return client;
  };
  /** The Mail server form as the page has it, with `changes` over it. */
  let caFile: string;
  const mailForm = async (client: ConsoleClient, changes: Record<string, string>) => {
    const page = await client.get(MAIL_PAGE);
    expect(page.status).toBe(200);
    return {
      // Every field the page shows, as a browser sends it (a POST that leaves one out is refused).
      ...shownFormValues(page.body),
      enabled: 'on',
      server: `127.0.0.1:${smtp.port}`,
      sender: 'alerts@example.com',
      username: 'mailer',
      password: '',
      tls: 'on',
      caFile,
      ...changes,
    };
  };
  const fieldError = (page: string, name: string) => new RegExp(`<p class="field-error" id="f-${name}-error">([^<]*)</p>`).exec(page)?.[1];

  beforeAll(async () => {
    smtp = await startSmtpSink({ users: { mailer: SMTP_PASSWORD } });
    attacker = await startSmtpSink({ users: {} });
    caFile = join(await tempDir('am-ca-'), 'ca.pem');
    await writeFile(caFile, smtp.caPem);
    const config: Json = baseConfig('primary', {
      mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'alerts@example.com', username: 'mailer', password: SMTP_PASSWORD, tls: true, caFile },
      console: { listen: '127.0.0.1:0' },
    });
    node = await startNode('primary', config);
    url = String(node.daemon.logs.find((line) => line['msg'] === 'appliance-mail ready')?.['console']);
    await passwd('admin', ADMIN_PASSWORD);
    await passwd('oper', OPER_PASSWORD);
  });

  afterAll(() => closeAll(node, smtp, attacker));

  describe('the saved SMTP password', () => {
    it('SEND to another server with an empty Password does not send the saved password there; the page names the field', async () => {
      const admin = await loggedIn('admin', ADMIN_PASSWORD);
      const response = await admin.post(`${MAIL_PAGE}/test`, await mailForm(admin, { server: `127.0.0.1:${attacker.port}` }));
      // Without JavaScript the page comes back once the test is over: every AUTH has happened.
      expect(response.status).toBe(200);
      expect(attacker.auths).toEqual([]);
      expect(attacker.received).toEqual([]);
      expect(fieldError(response.body, 'password')).toBe(RETYPE_PASSWORD);
      expect(response.body).toContain(`settings</strong> FAILED: the form&#39;s values are not valid: mailServer.password: ${RETYPE_PASSWORD}`);
      expect(response.body).not.toContain(SMTP_PASSWORD);

      // Another username at the saved server is another destination too.
      const otherUser = await admin.post(`${MAIL_PAGE}/test`, await mailForm(admin, { username: 'someone-else' }));
      expect(fieldError(otherUser.body, 'password')).toBe(RETYPE_PASSWORD);
      // Typed again, it goes where the form says (the administrator knows it then).
      const typed = await admin.post(`${MAIL_PAGE}/test`, await mailForm(admin, { server: `127.0.0.1:${attacker.port}`, password: 'typed-by-hand' }));
      expect(typed.status).toBe(200);
      expect(attacker.auths).toEqual([{ username: 'mailer', password: 'typed-by-hand' }]);
    });

    it('SEND to the saved destination with an empty Password still uses the saved one', async () => {
      const admin = await loggedIn('admin', ADMIN_PASSWORD);
      const before = smtp.received.length;
      const response = await admin.post(`${MAIL_PAGE}/test`, await mailForm(admin, { sender: 'kept@example.com', server: `127.0.0.1:${smtp.port}` }));
      expect(response.body).toMatch(/<strong>auth<\/strong> ok/);
      expect(smtp.received.slice(before)).toEqual([expect.objectContaining({ from: 'kept@example.com', user: 'mailer', secure: true })]);
    });

    it('Save to another server with an empty Password is refused beside the field, and nothing is written', async () => {
      const admin = await loggedIn('admin', ADMIN_PASSWORD);
      const file = await readFile(node.configPath, 'utf8');
      for (const changes of [{ server: `127.0.0.1:${attacker.port}` }, { tls: '' }, { username: 'someone-else' }] as Array<Record<string, string>>) {
        const response = await admin.post(MAIL_PAGE, await mailForm(admin, changes));
        expect(response.status).toBe(422);
        expect(fieldError(response.body, 'password')).toBe(RETYPE_PASSWORD);
        expect(response.body).toContain('AM_CONFIG_INVALID');
        expect(await readFile(node.configPath, 'utf8')).toBe(file);
      }
      // The same destination keeps it: a change of sender saves, the password stays.
      const saved = await admin.post(MAIL_PAGE, await mailForm(admin, { sender: 'saved@example.com' }));
      expect(saved.status).toBe(303);
      expect(JSON.parse(await readFile(node.configPath, 'utf8')).mailServer).toMatchObject({ sender: 'saved@example.com', password: SMTP_PASSWORD, server: `127.0.0.1:${smtp.port}` });
    });
  });

  describe('login', () => {
    const failedChecks = (user: string) => node.daemon.logs.filter((line) => line['msg'] === 'console login failed' && line['user'] === user);

    it('30 concurrent wrong passwords for one name: at most 5 are checked, the rest refused', async () => {
      const login = consoleClient(url);
      const page = await login.get('/login');
      const form = { _csrf: hiddenField(page.body, '_csrf'), username: 'oper', password: 'wrong-password' };
      const burst = await Promise.all(Array.from({ length: 30 }, () => login.post('/login', form)));
      const statuses = burst.map((r) => r.status);
      expect(statuses.every((s) => [401, 429, 503].includes(s))).toBe(true);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LOGIN_FAILURES_PER_USER);
      // One at a time now (never busy): the name's attempts run out at exactly 5 checked in all.
      let last: ConsoleResponse | null = null;
      for (let i = 0; i < 2 * LOGIN_FAILURES_PER_USER && last?.status !== 429; i++) last = await login.post('/login', form);
      expect(last?.status).toBe(429);
      expect(last?.body).toContain('AM_LOGIN_RATE_LIMITED');
      expect(failedChecks('oper')).toHaveLength(LOGIN_FAILURES_PER_USER);
      // Even the right password waits now.
      expect((await login.post('/login', { ...form, password: OPER_PASSWORD })).status).toBe(429);
    });

    it(`a burst of logins runs at most ${MAX_CHECKS_IN_FLIGHT} password checks at once; the others are refused at once (503) and not counted`, async () => {
      const from = node.daemon.logs.length;
      const burst = await Promise.all(Array.from({ length: 20 }, () => consoleClient(url).logIn('admin', ADMIN_PASSWORD)));
      const statuses = burst.map((r) => r.status);
      expect(statuses.every((s) => s === 303 || s === 503)).toBe(true);
      for (const refused of burst.filter((r) => r.status === 503)) {
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.body).toContain('AM_LOGIN_BUSY');
      }
      const checks = node.daemon.logs.slice(from).filter((line) => line['msg'] === 'console login');
      expect(checks).toHaveLength(statuses.filter((s) => s === 303).length);
      for (const check of checks) expect(check['checksInFlight']).toBeLessThanOrEqual(MAX_CHECKS_IN_FLIGHT);
      expect(checks.map((check) => typeof check['checksInFlight'])).toEqual(checks.map(() => 'number'));
      // Neither the right passwords nor the busy refusals used up the address's failures.
      expect((await consoleClient(url).logIn('admin', ADMIN_PASSWORD)).status).toBe(303);
    });
  });

  describe('sessions', () => {
    it('the session cookie has no Max-Age: the idle timeout on the server ends it, so activity keeps it', async () => {
      const client = consoleClient(url);
      const page = await client.get('/login');
      const response = await client.post('/login', { _csrf: hiddenField(page.body, '_csrf'), username: 'admin', password: ADMIN_PASSWORD });
      const cookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('am_session='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).not.toMatch(/Max-Age|Expires/i);
    });

    it('a password change ends the sessions opened with the old password', async () => {
      const admin = await loggedIn('admin', ADMIN_PASSWORD);
      expect((await admin.get('/')).status).toBe(200);
      const from = node.daemon.logs.length;
      await passwd('admin', ADMIN_PASSWORD);
      const after = await admin.get('/');
      expect(after.status).toBe(303);
      expect(after.headers['location']).toBe('/login');
      // The log reaches this process after the reply (stdout is read asynchronously): wait for it.
      await node.daemon.waitForLog((line) => line['msg'] === 'console session ended: its password was changed or its account removed', 10_000, from);
      // A form posted with the old session does nothing.
      const file = await readFile(node.configPath, 'utf8');
      const posted = await admin.post('/portal/general', { _csrf: 'x', address: 'evil.example.com' });
      expect(posted.status).toBe(401);
      expect(await readFile(node.configPath, 'utf8')).toBe(file);
      // The new password opens a new session.
      expect((await (await loggedIn('admin', ADMIN_PASSWORD)).get('/')).status).toBe(200);
    });

    it('console remove NAME ends its sessions and its logins; removing an unknown name is AM_CONSOLE_USER_UNKNOWN', async () => {
      await passwd('remover', OPER_PASSWORD);
      const removed = await loggedIn('remover', OPER_PASSWORD);
      const other = await loggedIn('admin', ADMIN_PASSWORD);
      const result = await node.cli(['console', 'remove', 'remover']);
      expect(result).toMatchObject({ code: 0, stdout: 'removed console user remover\n' });
      expect((await removed.get('/')).status).toBe(303);
      expect((await other.get('/')).status).toBe(200);
      expect((await consoleClient(url).logIn('remover', OPER_PASSWORD)).status).toBe(401);
      const again = await node.cli(['console', 'remove', 'remover']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/\[AM_CONSOLE_USER_UNKNOWN\]/);
    });
  });
});
