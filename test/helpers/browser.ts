/**
 * Debian's chromium driven by playwright-core, one browser per test file. Every response the
 * browser receives is kept, so a test can check that no secret was ever sent to it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/** docs/ when UPDATE_SCREENSHOTS=1 (the README shows them), a throw-away folder otherwise. */
export const SCREENSHOT_DIR = process.env['UPDATE_SCREENSHOTS'] === '1' ? resolve(import.meta.dirname, '../../docs') : join(tmpdir(), 'am-console-screenshots');

export interface TestBrowser {
  browser: Browser;
  /** Every response body the browser and its request contexts saw, as text. */
  bodies: string[];
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // playwright gives every launch a fresh, temporary --user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const bodies: string[] = [];
  return {
    browser,
    bodies,
    async newContext() {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1180, height: 900 } });
      context.on('response', (response) => {
        response.text().then(
          (text) => bodies.push(`${response.url()}\n${[...Object.entries(response.headers())].join('\n')}\n${text}`),
          () => undefined,
        );
      });
      return context;
    },
    async close() {
      await browser.close();
    },
  };
}

export async function logIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** The CSRF token of the first form on the page, for requests a test forges on purpose. */
export async function csrfOf(page: Page): Promise<string> {
  return (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
}

/** axe-core's engine, evaluated in the page through the DevTools protocol (the console's CSP forbids inline script). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now, one line each (rule, impact, where): [] when none. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // Runs in the page (no DOM types here): axe.run() on the whole document.
  const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  return violations.map((v) => `${v.id} (${v.impact}) on ${v.nodes.length} node(s): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}
