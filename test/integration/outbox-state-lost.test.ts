/**
 * Issue 20: a queue that notices its disk. The state folder removed (and, separately, replaced by
 * an empty one) under a running daemon with messages queued: status, log and metrics say so
 * within seconds; no mail is accepted while the folder cannot be made again; once it is back a
 * fresh journal holds every queued message, and after a kill -9 and a restart every accepted
 * message is delivered exactly once.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type Control } from '../../src/control/client.js';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson } from '../helpers/daemon.js';
import { headerValue } from '../helpers/mail.js';
import { metricsAddress, scrape } from '../helpers/metrics.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

describe('the state folder lost under a running daemon', () => {
  let sink: SmtpSink;
  let dir: string;
  let configPath: string;
  let daemon: DaemonProcess;
  let control: Control;
  const accepted: string[] = [];

  const stateDir = () => join(dir, 'state');
  const submit = async (subject: string) => {
    const reply = await control.submit({ to: ['ops@example.com'], subject, text: 'queued while the folder went away', html: '', kind: 'alert', idempotency_key: '' });
    accepted.push(reply.id);
    return reply;
  };
  const warnings = async () => (await control.status()).warnings.join('\n');

  async function start(): Promise<void> {
    daemon = new DaemonProcess(configPath);
    await daemon.ready();
    control = connectControl(join(dir, 'admin.sock'));
  }
  async function killAndRestart(): Promise<void> {
    control.close();
    await daemon.stop('SIGKILL');
    await start();
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    sink.unavailable = true;
    dir = await tempDir('am-lost-');
    await writeFile(join(dir, 'ca.pem'), sink.caPem);
    configPath = join(dir, 'config.json');
    await writeJson(
      configPath,
      baseConfig('lost', {
        mailServer: { enabled: true, server: `127.0.0.1:${sink.port}`, sender: 'engine@example.com', tls: true, caFile: './ca.pem' },
        metrics: { listen: '127.0.0.1:0' },
      }),
    );
    await start();
  });

  afterAll(async () => {
    control?.close();
    await daemon?.stop();
    await sink?.close();
  });

  it('removed, with a file where it was: says so, refuses mail naming the folder, and writes the queue again once the folder can be made', async () => {
    for (let i = 0; i < 5; i++) await submit(`before removal ${i}`);
    await rm(stateDir(), { recursive: true, force: true });
    // A file in its place: the folder cannot be made again until the operator removes it.
    await writeFile(stateDir(), 'not a folder');
    await daemon.waitForLog((l) => l['code'] === 'AM_STATE_LOST' && l['level'] === 'error');
    await eventually(async () => ((await warnings()).includes('state lost') ? true : undefined), 10_000, 'the status warning');
    expect((await control.status()).outbox?.state_lost).toBe(true);
    const metrics = await metricsAddress(daemon);
    expect((await scrape(metrics)).value('appliance_mail_state_lost')).toBe(1);
    const refused = await submit('while lost').catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'AM_STATE_LOST', message: expect.stringMatching(/^no mail is accepted: the state folder .*outbox was removed/) });
    expect(String(refused)).toContain(join(stateDir(), 'outbox'));

    const mark = daemon.logs.length;
    await rm(stateDir());
    await daemon.waitForLog((l) => l['code'] === 'AM_STATE_LOST' && String(l['msg']).includes('mail is accepted again'), 15_000, mark);
    const after = await scrape(metrics);
    expect(after.value('appliance_mail_state_lost')).toBe(0);
    expect(after.value('appliance_mail_state_losses')).toBe(1);
    await submit('after the folder came back');
    await killAndRestart();
    const listed = new Set((await control.listOutbox()).entries.map((e) => e.id));
    for (const id of accepted) expect(listed.has(id), id).toBe(true);
  }, 60_000);

  it('replaced by an empty folder: writes the queue into the new one at once; a restart keeps every message', async () => {
    await submit('before replacement');
    const outbox = join(stateDir(), 'outbox');
    const mark = daemon.logs.length;
    await rename(outbox, join(stateDir(), 'outbox-moved-away'));
    await mkdir(outbox);
    await daemon.waitForLog((l) => l['code'] === 'AM_STATE_LOST' && l['level'] === 'error' && String(l['msg']).includes('replaced'), 10_000, mark);
    await daemon.waitForLog((l) => l['code'] === 'AM_STATE_LOST' && String(l['msg']).includes('mail is accepted again'), 15_000, mark);
    await eventually(async () => ((await warnings()).includes('state lost and restored') ? true : undefined), 10_000, 'the status warning');
    await submit('after the replacement');
    await killAndRestart();
    const listed = new Set((await control.listOutbox()).entries.map((e) => e.id));
    for (const id of accepted) expect(listed.has(id), id).toBe(true);

    // The server is back: every accepted message arrives, once.
    sink.unavailable = false;
    await control.flushOutbox();
    await eventually(async () => {
      const o = (await control.status()).outbox;
      return o && o.queued === 0 && o.deferred === 0 && sink.received.length >= accepted.length ? true : undefined;
    }, 30_000, 'the queue to drain');
    const ids = sink.received.map((m) => headerValue(m.raw, 'X-Appliance-Mail-ID'));
    expect(ids.sort()).toEqual([...accepted].sort());
  }, 60_000);
});
