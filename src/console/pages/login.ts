/** Logging in and out of the console, and the two pages shown without a session. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../log/logger.js';
import { html } from '../../html/template.js';
import { banner, csrfField, document } from '../layout.js';
import type { LoginGuard } from '../login-guard.js';
import { field, sendPage } from '../routes.js';
import type { COOKIE_OPTIONS } from '../security.js';
import { SESSION_COOKIE, type Sessions } from '../sessions.js';
import type { ConsoleUsers } from '../../state/console-users.js';

export interface LoginDeps {
  sessions: Sessions;
  loginGuard: LoginGuard;
  users: ConsoleUsers;
  log: Logger;
  cookieOptions: typeof COOKIE_OPTIONS;
}

export function registerLogin(server: FastifyInstance, deps: LoginDeps): void {
  const { sessions, loginGuard, cookieOptions } = deps;
  server.get('/login', (request, reply) => {
    if (request.consoleSession) return reply.redirect('/', 303);
    return sendPage(reply, 200, loginPage('', reply.generateCsrf({ userInfo: 'anonymous' })));
  });

  server.post('/login', async (request, reply) => {
    const username = field(request.body, 'username');
    const checked = await loginGuard.check(request.ip, username, () => deps.users.verify(username, field(request.body, 'password')));
    if (checked.outcome === 'busy') {
      deps.log.warn({ code: 'AM_LOGIN_BUSY', ip: request.ip, user: username }, 'console login refused: too many password checks at once');
      return sendPage(
        reply.header('retry-after', '1'),
        503,
        loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), 'Too many logins at this moment; yours was not checked. Try again in a moment. [AM_LOGIN_BUSY]'),
      );
    }
    if (checked.outcome === 'rate-limited') {
      deps.log.warn({ code: 'AM_LOGIN_RATE_LIMITED', ip: request.ip, user: username }, 'console login refused: too many failed attempts');
      const wait = checked.retryAfterSeconds;
      return sendPage(
        reply.header('retry-after', String(wait)),
        429,
        loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), `Too many failed logins from this address or for this user. Try again in ${Math.ceil(wait / 60)} minute(s). [AM_LOGIN_RATE_LIMITED]`),
      );
    }
    // checksInFlight: how many password checks ran at once, this one included (at most the cap).
    if (checked.value === null) {
      deps.log.warn({ code: 'AM_LOGIN_FAILED', ip: request.ip, user: username, checksInFlight: checked.checksInFlight }, 'console login failed');
      return sendPage(reply, 401, loginPage(username, reply.generateCsrf({ userInfo: 'anonymous' }), 'Wrong username or password. [AM_LOGIN_FAILED]'));
    }
    const session = sessions.create(username, checked.value);
    deps.log.info({ ip: request.ip, user: username, checksInFlight: checked.checksInFlight }, 'console login');
    // A browser-session cookie: the server's idle timeout and lifetime decide when it ends, so
    // an active administrator is not logged out by a Max-Age set at login.
    reply.setCookie(SESSION_COOKIE, session.id, cookieOptions);
    return reply.redirect('/', 303);
  });

  server.post('/logout', (request, reply) => {
    sessions.end(request.consoleSession?.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

}

export function loginPage(username: string, csrf: string, error?: string): string {
  return document(
    'Log in · appliance-mail',
    html`<main class="login"><h1>appliance-mail Web Console</h1>${error ? banner('error', error) : html``}
<form method="post" action="/login">${csrfField(csrf)}
<div class="field"><label for="f-username">Username</label><input id="f-username" name="username" type="text" value="${username}" autocomplete="username" required></div>
<div class="field"><label for="f-password">Password</label><input id="f-password" name="password" type="password" autocomplete="current-password" required></div>
<button type="submit" class="primary">Log in</button>
</form>
<p class="muted">Accounts are set on the Appliance: <code>appliance-mail console passwd NAME</code>.</p></main>`,
  );
}

export function errorPage(message: string): string {
  return document('appliance-mail', html`<main class="login">${banner('error', message)}<p><a href="/">Back to the console</a></p></main>`);
}

