#!/usr/bin/env node
// Renders one digest and one error notification to PNG with headless Chromium (Debian's
// chromium package), into docs/. Run after `npm run build`: `npm run previews`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderNotification } from '../dist/notify/appliance-events.js';
import { parseDigest, renderDigest } from '../dist/notify/digest.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'am-previews-'));
const at = new Date('2026-11-26T09:30:00Z');
const pages = {
  'digest.png': renderDigest(parseDigest(JSON.parse(readFileSync(join(root, 'config/digest-example.json'), 'utf8'))), {
    portalAddress: 'portal.example.com',
    node: 'appliance-primary',
  }).html,
  'notification-update-error.png': renderNotification({
    event: 'update-error',
    node: 'appliance-east-1',
    version: '8.4.2',
    detail: 'E_NOSPACE: 312 MB free on /var, 2 GB needed\nstep 3 of 5 (unpack packages)',
    at,
  }).html,
};
try {
  for (const [png, html] of Object.entries(pages)) {
    const page = join(work, `${png}.html`);
    writeFileSync(page, html);
    execFileSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--hide-scrollbars',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${join(work, 'profile')}`, '--window-size=700,530', `--screenshot=${join(root, 'docs', png)}`, `file://${page}`,
    ], { stdio: 'ignore' });
    console.log(`docs/${png}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
