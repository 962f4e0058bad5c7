/**
 * Delivery's scheduling through its public interface: a real outbox on disk, a real SMTP server
 * on loopback (smtp-server), the real transport in its worker thread; the effective settings are
 * a plain object the test switches (only `current` and `onChange` are read by delivery).
 *
 * Delivery is loaded from the build (dist/): its SMTP worker thread is a .js file next to it,
 * which only the build has. Build first, as for the integration tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveConfig } from '../../src/config/live-config.js';
import { parseConfig } from '../../src/config/load.js';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { createOAuth2Tokens } from '../../src/oauth2/token-source.js';
import type * as DeliveryModule from '../../src/relay/delivery.js';
import type { Delivery } from '../../src/relay/delivery.js';
import { openOutbox, type Outbox } from '../../src/relay/outbox.js';
import type { EffectiveSnapshot, EffectiveSettings } from '../../src/config/effective.js';
import { eventually } from '../helpers/daemon.js';
import { headerValue } from '../helpers/mail.js';
import { mailServerOn, REFUSED_PORT, startScriptedSmtp, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const BUILT = '../../dist/relay/delivery.js';
const { createDelivery } = (await import(BUILT)) as typeof DeliveryModule;
const MESSAGE_ID_HEADER = 'X-Appliance-Mail-Id';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});


interface Harness {
  outbox: Outbox;
  delivery: Delivery;
  /** Log lines (parsed) the delivery wrote; tests wait on them. */
  logs: Array<Record<string, unknown>>;
  /** Makes `settings` effective, as a config edit or the primary would. */
  switchTo(settings: MailServerSettings): void;
  enqueue(to: string[], subject?: string): Promise<string>;
}

async function harness(mailServer: MailServerSettings, relay: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'am-delivery-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const configText = JSON.stringify({
    node: { name: 'unit', role: 'primary', stateDir: dir },
    mailServer: { enabled: false },
    control: { socket: join(dir, 'control.sock') },
    relay: { retryMin: '10s', retryMax: '1m', ...relay },
  });
  const config = createLiveConfig(parseConfig(configText, join(dir, 'config.json')), log);
  const outbox = await openOutbox(dir, log);
  const listeners: Array<(next: EffectiveSnapshot) => void> = [];
  let effective: EffectiveSnapshot = { mailServer, recipients: [], portalAddress: null, heloName: 'unit.example.com', source: 'test', digest: '0' };
  const settings = { current: () => effective, onChange: (l: (next: EffectiveSnapshot) => void) => void listeners.push(l) };
  const delivery = createDelivery({ outbox, effective: settings as unknown as EffectiveSettings, config, tokens: createOAuth2Tokens({ state: null, log }), log });
  cleanups.push(async () => {
    await delivery.close();
    await outbox.close();
  });
  let n = 0;
  return {
    outbox,
    delivery,
    logs,
    switchTo(next) {
      effective = { ...effective, mailServer: next, digest: String(++n) };
      for (const l of listeners) l(effective);
    },
    async enqueue(to, subject = 'unit') {
      const { id } = await outbox.enqueue({ kind: 'alert', to, subject, text: 'x', html: null, idempotencyKey: null });
      delivery.wake();
      return id;
    },
  };
}

async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink({ starttls: false, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** Resolves once `count` log lines with message `msg` were written. */
const logged = (h: Harness, msg: string, count = 1) =>
  eventually(() => (h.logs.filter((l) => l['msg'] === msg).length >= count ? true : undefined), 10_000, `${count} x "${msg}"`);

describe('delivery', () => {
  it('delivers what was queued before start, and what is submitted later on wake()', async () => {
    const smtp = await sink();
    const h = await harness(mailServerOn(smtp.port));
    const early = [await h.enqueue(['a@example.com']), await h.enqueue(['b@example.com'])];
    h.delivery.start();
    const late = await h.enqueue(['c@example.com']);
    await eventually(() => (h.outbox.counts().sentSinceStart === 3 ? true : undefined), 10_000, '3 sent');
    expect(new Set(smtp.received.map((m) => headerValue(m.raw, MESSAGE_ID_HEADER)))).toEqual(new Set([...early, late]));
    expect(smtp.received.every((m) => m.from === 'engine@example.com')).toBe(true);
    expect(h.outbox.list()).toEqual([]);
    expect(h.delivery.status().lastError).toBeNull();
  });

  it('a recipient refused with 5xx: the others get it, that one goes to the dead letters with the reply', async () => {
    const smtp = await sink();
    smtp.onRcpt = (address) => (address === 'gone@example.com' ? Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }) : null);
    const h = await harness(mailServerOn(smtp.port));
    h.delivery.start();
    const id = await h.enqueue(['gone@example.com', 'ok@example.com']);
    const dead = await eventually(() => (h.outbox.get(id)?.state === 'dead' ? h.outbox.get(id) : undefined), 10_000, 'dead letter');
    expect(dead.to).toEqual(['gone@example.com']);
    expect(dead.lastError).toMatch(/delivered to 1 of 2 recipients; refused: .*550.*mailbox unavailable/);
    expect(smtp.received.map((m) => m.to)).toEqual([['ok@example.com']]);
  });

  it('a sender refused on MAIL FROM (550): the dead letter and status name the fix', async () => {
    const smtp = await sink({
      extra: {
        onMailFrom: (_address, _session, callback) => callback(Object.assign(new Error('5.7.60 SMTP; Client does not have permissions to send as this sender'), { responseCode: 550 })),
      },
    });
    const h = await harness(mailServerOn(smtp.port));
    h.delivery.start();
    const id = await h.enqueue(['ops@example.com']);
    const dead = await eventually(() => (h.outbox.get(id)?.state === 'dead' ? h.outbox.get(id) : undefined), 10_000, 'dead letter');
    expect(dead.lastError).toMatch(/550 5\.7\.60 .*\(fix: the server refused the sender engine@example\.com: mailServer\.sender must be the authenticated mailbox or an address that mailbox may send as/);
    expect(h.delivery.status().lastError?.message).toBe(dead.lastError);
  });

  it('a transient refusal (451) defers with backoff between half and all of relay.retryMin; a settings change retries at once', async () => {
    let refuse = true;
    const smtp = await sink({
      extra: {
        onMailFrom(_address, _session, callback) {
          callback(refuse ? Object.assign(new Error('4.3.0 try later'), { responseCode: 451 }) : undefined);
        },
      },
    });
    const h = await harness(mailServerOn(smtp.port), { retryMin: '10s' });
    h.delivery.start();
    const before = Date.now();
    const id = await h.enqueue(['ops@example.com']);
    const deferred = await eventually(() => (h.outbox.get(id)?.state === 'deferred' ? h.outbox.get(id) : undefined), 10_000, 'deferred');
    const after = Date.now();
    expect(deferred.attempts).toBe(1);
    expect(deferred.lastError).toMatch(/451/);
    expect(deferred.nextAt - before).toBeGreaterThanOrEqual(5_000);
    expect(deferred.nextAt - after).toBeLessThanOrEqual(10_000);
    // A 4xx on one message says nothing about the server: no pause.
    expect(h.delivery.status().lastError?.message).not.toMatch(/paused/);
    // Fixed settings (here: the same server, now accepting): deferred mail goes at once, not in 5-10 s.
    refuse = false;
    h.switchTo({ ...mailServerOn(smtp.port), sender: 'fixed@example.com' });
    await eventually(() => (h.outbox.counts().sentSinceStart === 1 ? true : undefined), 3_000, 'sent after the settings change');
    // The sender in force when it is sent, not the one when it was queued.
    expect(smtp.received[0]?.from).toBe('fixed@example.com');
  });

  it('an unreachable server pauses deliveries: one probe per pause, not the whole queue; a new server gets it all', async () => {
    const h = await harness(mailServerOn(REFUSED_PORT), { retryMin: '200ms', retryMax: '400ms' });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await h.enqueue(['ops@example.com'], `m${i}`));
    h.delivery.start();
    await logged(h, 'mail server unreachable; deliveries paused');
    expect(h.delivery.status().lastError?.message).toMatch(/^cannot connect to 127\.0\.0\.1:1: the connection was refused \(fix: nothing accepts connections on that port .*\); deliveries paused until/);
    // The first batch went out together and failed together; after the pause one message probes.
    await logged(h, 'mail server unreachable; deliveries paused', 2);
    await logged(h, 'delivery deferred', 11);
    const attempts = ids.map((id) => h.outbox.get(id)?.attempts ?? -1).sort();
    expect(attempts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    const smtp = await sink();
    h.switchTo(mailServerOn(smtp.port));
    await eventually(() => (h.outbox.counts().sentSinceStart === 10 ? true : undefined), 10_000, 'all 10 sent to the new server');
    expect(h.delivery.status().lastError?.message ?? '').not.toMatch(/paused/);
  });

  it('a server refusing EHLO and HELO pauses deliveries (no dead letters), status names mailServer.heloName', async () => {
    const strict = await startScriptedSmtp((line) => (/^(EHLO|HELO)/i.test(line) ? '504 5.5.2 <vm>: Helo command rejected: need fully-qualified hostname' : null));
    cleanups.push(() => strict.close());
    // A pause of 5-10 s: long enough to still run when status is read.
    const h = await harness(mailServerOn(strict.port), { retryMin: '10s', retryMax: '1m' });
    const ids = [await h.enqueue(['ops@example.com'], 'a'), await h.enqueue(['ops@example.com'], 'b')];
    h.delivery.start();
    await logged(h, 'mail server unreachable; deliveries paused');
    await logged(h, 'delivery deferred', 2);
    expect(h.delivery.status().lastError?.message).toMatch(/^the mail server refused the HELO greeting: 504 5\.5\.2 <vm>.*\(fix: .*set mailServer\.heloName to this Appliance's fully qualified domain name.*\); deliveries paused until/);
    expect(ids.map((id) => h.outbox.get(id)?.state)).toEqual(['deferred', 'deferred']);
  });

  it('expires a message not delivered within relay.maxAge to the dead letters', async () => {
    const h = await harness(mailServerOn(REFUSED_PORT), { maxAge: '1s', retryMin: '300ms', retryMax: '300ms' });
    h.delivery.start();
    const id = await h.enqueue(['ops@example.com']);
    const dead = await eventually(() => (h.outbox.get(id)?.state === 'dead' ? h.outbox.get(id) : undefined), 10_000, 'expired');
    expect(dead.lastError).toMatch(/^expired: not delivered within relay.maxAge; last error: cannot connect to 127\.0\.0\.1:1: the connection was refused/);
  });

  it('sends nothing while the mail server is disabled, and everything once it is enabled', async () => {
    // The disabled settings name a server of their own: a send made while disabled would go there.
    const whileDisabled = await sink();
    const smtp = await sink();
    const h = await harness({ ...mailServerOn(whileDisabled.port), enabled: false });
    h.delivery.start();
    const id = await h.enqueue(['ops@example.com']);
    // wake() (in enqueue) looks at the queue at once: a send would have marked the entry already.
    h.delivery.wake();
    expect(h.outbox.get(id)).toMatchObject({ sending: false, attempts: 0 });
    h.switchTo(mailServerOn(smtp.port));
    await eventually(() => (smtp.received.length === 1 ? true : undefined), 5_000, 'sent to the server once enabled');
    // The server's 250 reaches the sink before the outbox records the send: wait for the record.
    await eventually(() => (h.outbox.counts().sentSinceStart === 1 ? true : undefined), 5_000, 'the send recorded');
    expect(whileDisabled.received).toEqual([]);
    // Never attempted while disabled: the one delivery is the first attempt.
    expect(smtp.received.map((m) => headerValue(m.raw, MESSAGE_ID_HEADER))).toEqual([id]);
    expect(h.logs.filter((l) => l['msg'] === 'delivery deferred')).toEqual([]);
  });
});
