import { afterAll, describe, expect, it } from 'vitest';
import { APPLIANCE_EVENTS, renderNotification } from '../../src/notify/appliance-events.js';
import { dashboardUrl, parseDigest, renderDigest } from '../../src/notify/digest.js';
import { escapeHtml, html } from '../../src/html/template.js';
import { oneLine } from '../../src/notify/mail-layout.js';
import example from '../../config/digest-example.json' with { type: 'json' };

const AT = new Date('2026-11-26T09:30:00Z');
// Mails show local time with its offset: a fixed zone keeps the snapshots the same everywhere.
const zoneBefore = process.env['TZ'];
process.env['TZ'] = 'Europe/Berlin';
// Unit files share their worker (vitest.config.ts): the zone goes back for the next file.
afterAll(() => {
  if (zoneBefore === undefined) delete process.env['TZ'];
  else process.env['TZ'] = zoneBefore;
});

describe('notification templates', () => {
  it.each(APPLIANCE_EVENTS)('%s: text and HTML', (event) => {
    const mail = renderNotification({
      event,
      node: 'appliance-east-1',
      version: event.startsWith('update') ? '8.4.2' : '',
      detail: event.endsWith('error') ? 'E_NOSPACE: 312 MB free on /var, 2 GB needed\nstep 3 of 5 (unpack)' : '',
      at: AT,
    });
    expect(mail.subject).toMatchSnapshot('subject');
    expect(mail.text).toMatchSnapshot('text');
    expect(mail.html).toMatchSnapshot('html');
  });

  it('says where the details are: above "What to do next" when given, the Appliance\'s log when not', () => {
    const withDetails = renderNotification({ event: 'update-error', node: 'n', version: '8.4.2', detail: 'E_NOSPACE', at: AT });
    expect(withDetails.text.indexOf('Details:')).toBeLessThan(withDetails.text.indexOf('Read the details above'));
    expect(withDetails.text).not.toMatch(/below/);
    expect(withDetails.text).toContain('When:      2026-11-26 10:30:00 +01:00');
    const without = renderNotification({ event: 'backup-error', node: 'n', version: '', detail: '', at: AT });
    expect(without.text).not.toMatch(/details (above|below)/);
    expect(without.text).toContain("Read the Appliance's backup log");
  });

  it.each(['backup-external', 'backup-error'])('%s refuses a version, naming the option', (event) => {
    expect(() => renderNotification({ event, node: 'n', version: '8.4.2', detail: '', at: AT })).toThrow(/version: backup-.* takes no version .*leave out --version/);
  });

  it('refuses an unknown event, naming it', () => {
    expect(() => renderNotification({ event: 'reboot', node: 'n', version: '', detail: '', at: AT })).toThrow(/event: 'reboot' is not one of update-available/);
  });

  it('keeps hostile detail and version as text', () => {
    const mail = renderNotification({ event: 'update-error', node: 'n', version: '1.0\r\nBcc: x@evil.example', detail: '<img src=x onerror=alert(1)> "q" & \'s\'', at: AT });
    expect(mail.subject).toBe('[n] Update failed: 1.0 Bcc: x@evil.example');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; &amp; &#39;s&#39;');
    expect(mail.html).not.toContain('<img');
    expect(mail.text).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('digest template', () => {
  it('renders the example digest with links to the Portal', () => {
    const mail = renderDigest(parseDigest(example), { portalAddress: 'portal.example.com', node: 'appliance-primary' });
    expect(mail.subject).toMatchSnapshot('subject');
    expect(mail.text).toMatchSnapshot('text');
    expect(mail.html).toMatchSnapshot('html');
    expect(mail.html).toContain('href="https://portal.example.com/dashboards/db-cluster"');
  });

  it('renders without links when portal.address is unset', () => {
    const mail = renderDigest(parseDigest(example), { portalAddress: null, node: 'p' });
    expect(mail.html).not.toContain('href=');
    expect(mail.text).not.toContain('://');
    expect(mail.text).toContain('Links to the Portal are off');
  });

  it('builds Portal links from every form of portal.address', () => {
    expect(dashboardUrl('portal.example.com', 'db')).toBe('https://portal.example.com/dashboards/db');
    expect(dashboardUrl('http://10.0.0.5:8080', 'db')).toBe('http://10.0.0.5:8080/dashboards/db');
    expect(dashboardUrl('https://[2001:db8::5]/', 'a b/../c?d')).toBe('https://[2001:db8::5]/dashboards/a%20b%2F..%2Fc%3Fd');
  });

  it('shows a hostile metric name as text in both parts', () => {
    const name = '<script>alert(1)</script>\r\nBcc: victim@example.com "quoted"';
    const mail = renderDigest(
      parseDigest({ dashboard: 'D', period: 'P', subscribers: ['a@example.com'], items: [{ type: 'metric', name, value: '1', status: 'ok', dashboard: 'x"><a href="//evil' }] }),
      { portalAddress: 'portal.example.com', node: 'n' },
    );
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('href="https://portal.example.com/dashboards/x%22%3E%3Ca%20href%3D%22%2F%2Fevil"');
    expect(mail.text).toContain('<script>alert(1)</script> Bcc: victim@example.com "quoted"');
    expect(mail.subject).toBe('D digest, P');
  });

  it('refuses a digest with a bad field, naming it', () => {
    expect(() => parseDigest({ dashboard: 'D', period: 'P', subscribers: ['nobody'], items: [] })).toThrow(/subscribers\.0: is not a valid email address/);
    expect(() => parseDigest({ dashboard: 'D', period: 'P', subscribers: ['a@example.com'], items: [{ type: 'graph', name: 'n', value: '', dashboard: 'd' }] })).toThrow(/items\.0\.type/);
  });
});

describe('html helpers', () => {
  it('escapes values and passes only SafeHtml through', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html`<b>${'<i>'}</b>${html`<i>ok</i>`}`.value).toBe('<b>&lt;i&gt;</b><i>ok</i>');
    expect(oneLine('a\r\nb\tc\u2028d   e')).toBe('a b c d e');
  });
});
