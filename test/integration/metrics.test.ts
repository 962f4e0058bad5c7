/**
 * The Prometheus endpoint of real daemons: each counter is driven by real traffic against a real
 * SMTP server on loopback (accepted, sent, deferred, dead; failures of each class; config reloads
 * applied and refused), the gauges follow the queue and the federation (a primary and a
 * centralized secondary), and every scrape passes `promtool check metrics` when promtool is here.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { missingTool } from '../helpers/tools.js';
import { PACKAGE_VERSION } from '../../src/util/version.js';
import { baseConfig, DaemonProcess, eventually, tempDir, writeJson, type Json } from '../helpers/daemon.js';
import { joinNode, startNode, type Node } from '../helpers/fleet.js';
import { metricsAddress, scrape, type Scrape } from '../helpers/metrics.js';
import { REFUSED_PORT, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const PASSWORD = 'Metrics-Pa55word!';
const KINDS = ['alert', 'digest', 'appliance', 'test'] as const;
const FAILURE_CLASSES = ['connect', 'tls', 'auth', '4xx', '5xx', 'other'] as const;
const HAS_PROMTOOL = !missingTool('promtool', 'prometheus');

/** Scrapes until `ready` holds for a scrape, and returns that scrape. */
function until(address: string, ready: (s: Scrape) => boolean, what: string, timeoutMs = 15_000): Promise<Scrape> {
  return eventually(async () => {
    const s = await scrape(address);
    return ready(s) ? s : undefined;
  }, timeoutMs, what);
}

/** `promtool check metrics` lints names, units and types of a real scrape. */
function expectLintClean(s: Scrape): void {
  if (!HAS_PROMTOOL) return;
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: s.text, encoding: 'utf8' });
  expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
  expect(lint.status).toBe(0);
}

describe('metrics', () => {
  const nodes: Node[] = [];
  const sinks: SmtpSink[] = [];

  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      node.control.close();
      await node.daemon.stop('SIGKILL');
    }
    for (const sink of sinks.splice(0)) await sink.close();
  });

  async function sinkAndCa(): Promise<{ smtp: SmtpSink; ca: string }> {
    const smtp = await startSmtpSink({ users: { mailer: PASSWORD } });
    sinks.push(smtp);
    const dir = await tempDir('am-ca-');
    await writeFile(join(dir, 'ca.pem'), smtp.caPem);
    return { smtp, ca: join(dir, 'ca.pem') };
  }

  async function node(name: string, config: Json): Promise<Node> {
    const n = await startNode(name, config);
    nodes.push(n);
    return n;
  }

  const submit = (n: Node, kind: string, to: string) => n.control.submit({ to: [to], subject: `${kind} for ${to}`, text: 'body', html: '', kind, idempotency_key: '' });

  it('counts messages by kind, failures by class and config reloads; follows the queue; times deliveries', async () => {
    const { smtp, ca } = await sinkAndCa();
    const mailServer = { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'engine@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca };
    const n = await node('metered', baseConfig('metered', { mailServer, relay: { retryMin: '200ms', retryMax: '1s' }, metrics: { listen: '127.0.0.1:0' } }));
    const metrics = await metricsAddress(n.daemon);

    let s = await scrape(metrics);
    expect(s.value('appliance_mail_build_info', { version: PACKAGE_VERSION, nodejs_version: process.versions.node })).toBe(1);
    for (const kind of KINDS) {
      for (const what of ['accepted', 'sent', 'deferred', 'dead']) expect(s.value(`appliance_mail_messages_${what}_total`, { kind })).toBe(0);
      expect(s.value('appliance_mail_delivery_latency_seconds_count', { kind })).toBe(0);
    }
    for (const failureClass of FAILURE_CLASSES) expect(s.value('appliance_mail_smtp_failures_total', { class: failureClass })).toBe(0);
    for (const state of ['queued', 'deferred', 'dead']) expect(s.value('appliance_mail_outbox_messages', { state })).toBe(0);
    expect(s.value('appliance_mail_outbox_oldest_message_age_seconds')).toBe(0);
    expect(s.value('appliance_mail_config_reloads_total', { result: 'ok' })).toBe(0);
    expect(s.value('appliance_mail_config_last_reload_successful')).toBe(1);
    const startedConfigAt = s.value('appliance_mail_config_last_reload_success_timestamp_seconds')!;
    expect(startedConfigAt).toBeGreaterThan(0);
    // A primary without federation.listen serves no secondaries: no federation series.
    expect(s.value('appliance_mail_federation_settings_version')).toBeUndefined();
    expectLintClean(s);
    expect((await fetch(`http://${metrics}/`)).status).toBe(404);

    // One message of each kind, accepted and sent, each timed from acceptance to the server's 250.
    for (const kind of KINDS) await submit(n, kind, `${kind}@example.com`);
    s = await until(metrics, (x) => KINDS.every((kind) => x.value('appliance_mail_messages_sent_total', { kind }) === 1), 'one message of each kind sent');
    for (const kind of KINDS) {
      expect(s.value('appliance_mail_messages_accepted_total', { kind })).toBe(1);
      expect(s.value('appliance_mail_delivery_latency_seconds_count', { kind })).toBe(1);
      expect(s.value('appliance_mail_delivery_latency_seconds_bucket', { kind, le: '+Inf' })).toBe(1);
      expect(s.value('appliance_mail_delivery_latency_seconds_sum', { kind })).toBeGreaterThan(0);
    }
    expect(smtp.received).toHaveLength(4);

    // 5xx: the server refuses the only recipient for good: a dead letter.
    smtp.onRcpt = (address) => (address.startsWith('nobody@') ? Object.assign(new Error('no such user'), { responseCode: 550 }) : null);
    await submit(n, 'digest', 'nobody@example.com');
    s = await until(metrics, (x) => x.value('appliance_mail_messages_dead_total', { kind: 'digest' }) === 1, 'a dead digest');
    expect(s.value('appliance_mail_smtp_failures_total', { class: '5xx' })).toBe(1);
    expect(s.value('appliance_mail_outbox_messages', { state: 'dead' })).toBe(1);
    expect(s.value('appliance_mail_messages_sent_total', { kind: 'digest' })).toBe(1);

    // 4xx: the server refuses the recipient for now: the alert is deferred and waits in the queue, aging.
    smtp.onRcpt = (address) => (address.startsWith('busy@') ? Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }) : null);
    await submit(n, 'alert', 'busy@example.com');
    s = await until(metrics, (x) => (x.value('appliance_mail_smtp_failures_total', { class: '4xx' }) ?? 0) >= 1 && (x.value('appliance_mail_messages_deferred_total', { kind: 'alert' }) ?? 0) >= 1, 'a 451 deferral');
    expect((s.value('appliance_mail_outbox_messages', { state: 'queued' }) ?? 0) + (s.value('appliance_mail_outbox_messages', { state: 'deferred' }) ?? 0)).toBe(1);
    expect(s.value('appliance_mail_outbox_bytes')).toBeGreaterThan(0);
    s = await until(metrics, (x) => (x.value('appliance_mail_outbox_oldest_message_age_seconds') ?? 0) > 0, 'the waiting message aging');

    // Each failure class in turn, the waiting alert retried at each settings change.
    let reloads = 0;
    const reconfigure = async (change: (mail: Json) => void, failureClass: string) => {
      await n.edit((c) => change(c.mailServer));
      reloads++;
      await until(metrics, (x) => x.value('appliance_mail_config_reloads_total', { result: 'ok' }) === reloads, `config reload ${reloads} applied`);
      await until(metrics, (x) => (x.value('appliance_mail_smtp_failures_total', { class: failureClass }) ?? 0) >= 1, `a ${failureClass} failure`);
    };
    await reconfigure((mail) => (mail['password'] = 'wrong-Pa55word'), 'auth');
    await reconfigure((mail) => delete mail['caFile'], 'tls');
    await reconfigure((mail) => (mail['server'] = `127.0.0.1:${REFUSED_PORT}`), 'connect');
    smtp.onRcpt = () => null;
    await n.edit((c) => (c.mailServer = mailServer));
    reloads++;
    s = await until(metrics, (x) => x.value('appliance_mail_messages_sent_total', { kind: 'alert' }) === 2, 'the alert sent once the settings are right');
    expect(s.value('appliance_mail_config_reloads_total', { result: 'ok' })).toBe(reloads);
    expect(s.value('appliance_mail_messages_deferred_total', { kind: 'alert' })).toBeGreaterThanOrEqual(4);
    expect(s.value('appliance_mail_outbox_messages', { state: 'queued' })).toBe(0);
    expect(s.value('appliance_mail_outbox_messages', { state: 'deferred' })).toBe(0);
    expect(s.value('appliance_mail_outbox_oldest_message_age_seconds')).toBe(0);
    expect(s.value('appliance_mail_smtp_failures_total', { class: 'other' })).toBe(0);
    expect(s.value('appliance_mail_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(startedConfigAt);
    const goodConfigAt = s.value('appliance_mail_config_last_reload_success_timestamp_seconds')!;

    // A broken edit is refused: counted, and the last good one keeps its time.
    await writeFile(n.configPath, '{ "node": ');
    s = await until(metrics, (x) => x.value('appliance_mail_config_reloads_total', { result: 'failed' }) === 1, 'a refused edit');
    expect(s.value('appliance_mail_config_last_reload_successful')).toBe(0);
    expect(s.value('appliance_mail_config_last_reload_success_timestamp_seconds')).toBe(goodConfigAt);
    await n.edit((c) => (c.notifications = { recipients: 'noc@example.com' }));
    s = await until(metrics, (x) => x.value('appliance_mail_config_last_reload_successful') === 1, 'the fixed edit applied');
    expect(s.value('appliance_mail_config_reloads_total', { result: 'ok' })).toBe(reloads + 1);
    expect(s.value('appliance_mail_config_last_reload_success_timestamp_seconds')).toBeGreaterThan(goodConfigAt);
    expectLintClean(s);
  });

  it('shows the fleet on the primary and the primary on a centralized secondary', async () => {
    const { smtp, ca } = await sinkAndCa();
    const primary = await node(
      'hub',
      baseConfig('hub', {
        mailServer: { enabled: true, server: `127.0.0.1:${smtp.port}`, sender: 'hub@example.com', username: 'mailer', password: PASSWORD, tls: true, caFile: ca },
        federation: { listen: '127.0.0.1:0' },
        metrics: { listen: '127.0.0.1:0' },
      }),
    );
    const secondary = await node(
      'engine-1',
      baseConfig('engine-1', {
        node: { name: 'engine-1', role: 'secondary', stateDir: './state' },
        mailServer: { enabled: false },
        metrics: { listen: '[::1]:0' },
      }),
    );
    const primaryMetrics = await metricsAddress(primary.daemon);
    const secondaryMetrics = await metricsAddress(secondary.daemon);
    const engine = { node: 'engine-1' };

    let p = await scrape(primaryMetrics);
    expect(p.value('appliance_mail_federation_secondaries')).toBe(0);
    const version = p.value('appliance_mail_federation_settings_version')!;
    expect(version).toBeGreaterThan(0);
    let s = await scrape(secondaryMetrics);
    expect(s.value('appliance_mail_federation_joined')).toBe(0);
    expect(s.value('appliance_mail_federation_connected')).toBe(0);
    expect(s.value('appliance_mail_federation_applied_version')).toBe(0);

    await joinNode(primary, secondary, primary.federationPort, true);
    p = await until(
      primaryMetrics,
      (x) => x.value('appliance_mail_federation_secondary_verified', engine) === 1 && x.value('appliance_mail_federation_secondaries_connected') === 1,
      'the secondary applied and verified the settings',
    );
    expect(p.value('appliance_mail_federation_secondaries')).toBe(1);
    expect(p.value('appliance_mail_federation_secondary_applied_version', engine)).toBe(version);
    expect(p.value('appliance_mail_federation_secondary_centralized', engine)).toBe(1);
    expect(p.value('appliance_mail_federation_secondary_connected', engine)).toBe(1);
    s = await until(secondaryMetrics, (x) => x.value('appliance_mail_federation_verified') === 1, 'the secondary verified');
    expect(s.value('appliance_mail_federation_joined')).toBe(1);
    expect(s.value('appliance_mail_federation_connected')).toBe(1);
    expect(s.value('appliance_mail_federation_applied_version')).toBe(version);
    expect(s.value('appliance_mail_federation_verified_version')).toBe(version);

    // Settings that do not work: a new version, applied everywhere, failing its check on the secondary.
    await primary.edit((c) => (c.mailServer.server = `127.0.0.1:${REFUSED_PORT}`));
    p = await until(
      primaryMetrics,
      (x) => x.value('appliance_mail_federation_settings_version') === version + 1 && x.value('appliance_mail_federation_secondary_applied_version', engine) === version + 1,
      'the new version applied',
    );
    s = await until(secondaryMetrics, (x) => x.value('appliance_mail_federation_verified_version') === version + 1, 'the new version checked on the secondary');
    expect(s.value('appliance_mail_federation_verified')).toBe(0);
    expect(s.value('appliance_mail_federation_applied_version')).toBe(version + 1);
    p = await until(primaryMetrics, (x) => x.value('appliance_mail_federation_secondary_verified', engine) === 0, 'the failed check reported to the primary');
    expectLintClean(p);
    expectLintClean(s);

    // The secondary goes away: still known, no longer connected.
    await secondary.daemon.stop();
    p = await until(primaryMetrics, (x) => x.value('appliance_mail_federation_secondary_connected', engine) === 0, 'the secondary disconnected');
    expect(p.value('appliance_mail_federation_secondaries_connected')).toBe(0);
    expect(p.value('appliance_mail_federation_secondaries')).toBe(1);
  });

  it('a taken metrics.listen stops the start with AM_ADDRESS_IN_USE naming the setting', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
    try {
      const dir = await tempDir('am-metrics-port-');
      const configPath = join(dir, 'config.json');
      await writeJson(configPath, baseConfig('taken', { metrics: { listen: `127.0.0.1:${port}` } }));
      const daemon = new DaemonProcess(configPath);
      const { code } = await daemon.exited;
      expect(code).toBe(1);
      expect(daemon.stderr).toContain(`127.0.0.1:${port} (metrics.listen) is already in use by another process`);
      expect(daemon.stderr).toContain('[AM_ADDRESS_IN_USE]');
    } finally {
      taken.close();
    }
  });
});
