/**
 * The Web Console over plain HTTPS, without a browser: what a script (or an attacker with a
 * session) sends. Cookies are kept per client; every request opens its own connection, so
 * requests sent together reach the server together.
 */
import { request as httpsRequest } from 'node:https';

export interface ConsoleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface ConsoleClient {
  /** Cookies set by the console so far (name → value as sent back). */
  cookies: Map<string, string>;
  get(path: string): Promise<ConsoleResponse>;
  post(path: string, form: Record<string, string>): Promise<ConsoleResponse>;
  /** Logs in; the response (303 to / on success). */
  logIn(user: string, password: string): Promise<ConsoleResponse>;
}

export function consoleClient(baseUrl: string): ConsoleClient {
  const cookies = new Map<string, string>();

  function send(method: 'GET' | 'POST', path: string, body?: string): Promise<ConsoleResponse> {
    const headers: Record<string, string> = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    return new Promise((resolve, reject) => {
      // The console's certificate is self-signed, made by the daemon on first start.
      const req = httpsRequest(new URL(path, baseUrl), { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair = ''] = line.split(';');
          const eq = pair.indexOf('=');
          const value = pair.slice(eq + 1);
          if (value === '') cookies.delete(pair.slice(0, eq));
          else cookies.set(pair.slice(0, eq), value);
        }
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const client: ConsoleClient = {
    cookies,
    get: (path) => send('GET', path),
    post: (path, form) => send('POST', path, new URLSearchParams(form).toString()),
    async logIn(user, password) {
      const page = await client.get('/login');
      return client.post('/login', { _csrf: hiddenField(page.body, '_csrf'), username: user, password });
    },
  };
  return client;
}

/** The value of the first hidden input NAME in a page. */
export function hiddenField(page: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page);
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return unescape(match[1]!);
}

const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * What a browser would send for the page's fields as they are shown: every text, email, number,
 * password and hidden input, each ticked checkbox, each select's chosen option (the first when none
 * is). Names shared by several forms (`_csrf`) hold the same value.
 */
export function shownFormValues(page: string): Record<string, string> {
  const values: Record<string, string> = {};
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  for (const [tag] of page.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    if (name === undefined) continue;
    if (attr(tag, 'type') === 'checkbox' && !/\schecked\b/.test(tag)) continue;
    values[name] = unescape(attr(tag, 'value') ?? '');
  }
  for (const [, tag, options] of page.matchAll(/(<select\b[^>]*>)(.*?)<\/select>/gs)) {
    const name = attr(tag!, 'name');
    const chosen = /<option value="([^"]*)" selected>/.exec(options!) ?? /<option value="([^"]*)"/.exec(options!);
    if (name !== undefined && chosen) values[name] = unescape(chosen[1]!);
  }
  return values;
}
