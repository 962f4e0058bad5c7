import type { SettingsCheck__Output } from '../../generated/appliance_mail/control/v1/SettingsCheck.js';
import type { StatusReply__Output } from '../../generated/appliance_mail/control/v1/StatusReply.js';
import { CONFIG_HELP, CONFIG_OPTION, type Command } from '../command.js';
import { formatBytes } from '../../util/bytes.js';
import { ago, duration, keyValues } from '../format.js';
import { stripControl } from '../../util/text.js';
import { localTime } from '../../util/time-format.js';
import { withStatusControl } from '../with-control.js';

export const statusCommand: Command = {
  name: 'status',
  summary: "show what the running daemon is doing",
  usage: 'appliance-mail status [--config PATH] [--json]',
  help: [CONFIG_HELP, '      --json          one JSON object, for scripts'],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  async run(args, ctx) {
    const status = await withStatusControl(args, ctx, (c) => c.status());
    if (args.values['json']) ctx.out(JSON.stringify(status, null, 2));
    else for (const line of renderStatus(status)) ctx.out(line);
    return 0;
  },
};

/** The node's last check of its settings against the mail server, from this node. */
function describeCheck(check: SettingsCheck__Output | null): string {
  if (check === null) return 'not checked yet';
  const when = ago(check.at);
  if (check.outcome === 'failed') return `version ${check.version} FAILED from this node: ${check.error} (${when})`;
  if (check.outcome === 'disabled') return `version ${check.version}: mail is disabled, nothing to check (${when})`;
  return `version ${check.version} works from this node (${when})`;
}

function renderStatus(s: StatusReply__Output): string[] {
  const mail = s.mail_server;
  const mailLine = !mail?.enabled
    ? 'disabled: no mail is sent'
    : `${mail.server}, ${mail.tls ? 'STARTTLS required' : 'plain text (no TLS)'}${mail.private_ca ? ', private CA' : ''}`;
  const auth = !mail?.username
    ? 'none'
    : mail.auth === 'oauth2'
      ? `XOAUTH2 as ${mail.username}, OAuth2 ${mail.oauth2_grant} from ${mail.oauth2_token_url} (client ${mail.oauth2_client_id}, secret ${mail.oauth2_client_secret})`
      : `user ${mail.username}, password ${mail.password}`;
  const config = s.config;
  const rows: Array<[string, string]> = [
    ['Node', `${s.node_name} (${s.role}), appliance-mail ${s.daemon_version}, up ${duration(s.uptime_seconds)}`],
    ['Mode', s.mode],
    ['Settings from', s.settings_source],
    ['Mail server', mailLine],
    ['Sender', mail?.sender || '(unset)'],
    ['Auth', auth],
    ['Config', `${config?.file}${config?.version ? ` version ${config.version}` : ''}, applied ${ago(config?.applied_at ?? '')}`],
    ['Config error', config?.error ? `${config.error} [${config.error_code}] (${ago(config.error_at)})` : 'none'],
    ...(config?.files ?? []).map((f): [string, string] => [f.field, `${f.path}, read ${ago(f.read_at)}`]),
    ['Control socket', `${s.control_socket}: ${s.control_access} (submit, notify, digest, status)`],
    ['Admin socket', `${s.admin_socket}: ${s.admin_access} (everything)`],
    ['Web Console', s.console_url === '' ? 'off (console.listen not set)' : s.console_url],
  ];
  const f = s.federation;
  if (f && s.mode === 'primary' && f.listen) {
    rows.push(['Federation', `serving on ${f.listen}, settings version ${f.settings_version}, ${f.nodes_connected}/${f.nodes} secondaries connected`]);
    rows.push(['Join address', `${f.join_address} (federation.advertise, else federation.listen)`]);
    rows.push(['Certificate', `sha256 ${f.cert_sha256}`]);
    rows.push(['Verified', describeCheck(f.verify)]);
  }
  if (f && f.primary) {
    const heard = f.last_heard ? `last heard ${ago(f.last_heard)}` : `not heard from since this daemon started at ${localTime(new Date(Date.now() - s.uptime_seconds * 1000))}`;
    rows.push(['Primary', `${f.primary}: ${f.connection}, ${heard}`]);
    if (s.mode === 'centralized') {
      rows.push(['Applied', f.applied_version === '0' ? 'nothing yet' : `version ${f.applied_version}, ${ago(f.applied_at)}`]);
      rows.push(['Verified', describeCheck(f.verify)]);
    }
  }
  const o = s.outbox;
  if (o) {
    rows.push(['Outbox', `${o.queued} queued, ${o.deferred} deferred, ${o.dead} dead; ${o.sent_since_start} sent since start`]);
    rows.push(['Outbox size', `${formatBytes(Number(o.bytes_queued))} of ${formatBytes(Number(o.max_bytes))} (relay.maxOutboxBytes); intake stops below ${formatBytes(Number(o.min_free_bytes))} free`]);
    const shares = o.lanes.map((l) => `${l.lane} ${formatBytes(Number(l.bytes))} of ${formatBytes(Number(l.limit_bytes))}`);
    if (shares.length > 0) rows.push(['Outbox shares', `${shares.join('; ')} (relay.shares)`]);
    if (o.state_lost) rows.push(['State', 'LOST: the queue is in memory only and no mail is accepted (see the warning)']);
    if (o.oauth2_token) rows.push(['OAuth2 token', o.oauth2_token]);
    rows.push(['Last delivery', o.last_delivery_at ? `${ago(o.last_delivery_at)} to ${o.last_delivery_server}` : 'none since start']);
    rows.push(['Last error', o.last_error ? `${o.last_error} (server ${o.last_error_server}, ${ago(o.last_error_at)})` : 'none']);
    if (o.previous_error) rows.push(['Previous error', `${o.previous_error} (server ${o.previous_error_server}, ${ago(o.previous_error_at)})`]);
  }
  const lines = keyValues(rows);
  for (const warning of s.warnings) lines.push(`warning: ${stripControl(warning)}`);
  return lines;
}
