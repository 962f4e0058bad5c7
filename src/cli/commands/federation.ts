/** CLI commands of the federation: tokens and nodes on the primary; join and mode on a secondary. */
import { parseDurationMs } from '../../config/defaults.js';
import { AppError } from '../../errors/registry.js';
import { joinCommand as joinCommandLine } from '../../federation/join-command.js';
import type { VersionReport__Output } from '../../generated/appliance_mail/control/v1/VersionReport.js';
import { CONFIG_HELP, CONFIG_OPTION, onePositional, type Command } from '../command.js';
import { ago, table } from '../format.js';
import { withAdminControl } from '../with-control.js';

export const tokenCreateCommand: Command = {
  name: 'token create',
  summary: 'on the primary: print a one-time join token for a secondary, and the join command to run there',
  usage: 'appliance-mail token create [--ttl DURATION] [--print-join-command] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --ttl DURATION        how long the token is valid: 30m, 2h, 1d (default 1h, at most 7d)',
    '      --print-join-command  print the whole join command on stdout instead of the token alone',
    '  The join command names this primary by federation.advertise, else by federation.listen (with',
    "  this machine's host name when listen is a wildcard address such as 0.0.0.0).",
  ],
  options: { ...CONFIG_OPTION, ttl: { type: 'string' }, 'print-join-command': { type: 'boolean' } },
  async run(args, ctx) {
    const ttlText = args.values['ttl'];
    let ttlSeconds = 0;
    if (typeof ttlText === 'string') {
      try {
        ttlSeconds = Math.ceil(parseDurationMs(ttlText) / 1000);
      } catch {
        throw new AppError('AM_USAGE', `--ttl '${ttlText}' is not a duration such as 30m, 2h or 1d`);
      }
    }
    const reply = await withAdminControl(args, ctx, (c) => c.createToken({ ttl_seconds: ttlSeconds }));
    const command = joinCommandLine(reply.join_address, reply.token);
    if (args.values['print-join-command']) {
      ctx.out(command);
      return 0;
    }
    ctx.out(reply.token);
    ctx.err(`expires ${reply.expires_at}; admits one secondary. On it, run (without --centralize to keep its own settings):`);
    ctx.err(`  ${command}`);
    return 0;
  },
};

export const tokenListCommand: Command = {
  name: 'token list',
  summary: 'on the primary: list join tokens (id, created, expires, used by whom); never the secret',
  usage: 'appliance-mail token list [--json] [--config PATH]',
  help: [CONFIG_HELP, '      --json          one JSON object, for scripts'],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  async run(args, ctx) {
    const reply = await withAdminControl(args, ctx, (c) => c.listTokens());
    if (args.values['json']) {
      ctx.out(JSON.stringify(reply, null, 2));
      return 0;
    }
    if (reply.tokens.length === 0) {
      ctx.out('no join tokens; create one with appliance-mail token create');
      return 0;
    }
    const rows = reply.tokens.map((t) => [
      t.id,
      ago(t.created_at),
      t.state === 'expired' ? `expired ${ago(t.expires_at)}` : ago(t.expires_at),
      t.state === 'used' ? `used by ${t.used_by} ${ago(t.used_at)}` : t.state,
    ]);
    for (const line of table(['ID', 'CREATED', 'EXPIRES', 'STATE'], rows)) ctx.out(line);
    return 0;
  },
};

export const tokenDeleteCommand: Command = {
  name: 'token delete',
  summary: 'on the primary: delete a join token so that it admits nobody (nodes it admitted stay)',
  usage: 'appliance-mail token delete ID [--config PATH]',
  help: [CONFIG_HELP, '  ID is the id `token list` shows, or the whole token.'],
  options: { ...CONFIG_OPTION },
  positionals: true,
  async run(args, ctx) {
    const given = onePositional(args, tokenDeleteCommand, 'token id');
    const reply = await withAdminControl(args, ctx, (c) => c.deleteToken({ id: given }));
    ctx.out(`deleted token ${reply.id}`);
    return 0;
  },
};

export const joinCommand: Command = {
  name: 'join',
  summary: "on a secondary: join the primary; --centralize to take its mail settings",
  usage: 'appliance-mail join --primary HOST:PORT --token TOKEN [--centralize] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --primary HOST:PORT  the primary\'s federation.listen address',
    '      --token TOKEN        from `appliance-mail token create` on the primary (or $APPLIANCE_MAIL_TOKEN)',
    "      --centralize         use the primary's mail settings; without it, this node keeps its own",
  ],
  options: { ...CONFIG_OPTION, primary: { type: 'string' }, token: { type: 'string' }, centralize: { type: 'boolean' } },
  async run(args, ctx) {
    const primary = args.values['primary'];
    // The token may come from the environment, so that it stays out of shell history and ps.
    const token = args.values['token'] ?? ctx.env['APPLIANCE_MAIL_TOKEN'];
    if (typeof primary !== 'string' || typeof token !== 'string') {
      throw new AppError('AM_USAGE', `--primary and --token are required. Usage: ${joinCommand.usage}`);
    }
    const reply = await withAdminControl(args, ctx, (c) => c.join({ primary, token, centralize: args.values['centralize'] === true }));
    ctx.out(`joined ${reply.primary}; mode ${reply.mode}`);
    return 0;
  },
};

function modeCommand(mode: 'centralized' | 'local', name: string, summary: string): Command {
  return {
    name,
    summary,
    usage: `appliance-mail ${name} [--config PATH]`,
    help: [CONFIG_HELP],
    options: { ...CONFIG_OPTION },
    async run(args, ctx) {
      await withAdminControl(args, ctx, (c) => c.setMode({ mode }));
      ctx.out(`mode ${mode}`);
      return 0;
    },
  };
}

export const centralizeCommand = modeCommand('centralized', 'centralize', "on a joined secondary: take the primary's mail settings from now on");
export const localCommand = modeCommand('local', 'local', 'on a joined secondary: go back to the mail settings of its own config file');

function describeReport(report: VersionReport__Output | null, success: string): string {
  if (report === null) return '-';
  return report.error === '' ? `v${report.version} ${success}` : `v${report.version} FAILED: ${report.error}`;
}

export const nodesCommand: Command = {
  name: 'nodes',
  summary: 'on the primary: list secondaries, their mode and the settings version each applied',
  usage: 'appliance-mail nodes [--json] [--config PATH]',
  help: [CONFIG_HELP, '      --json          one JSON object, for scripts'],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  async run(args, ctx) {
    const reply = await withAdminControl(args, ctx, (c) => c.listNodes());
    if (args.values['json']) {
      ctx.out(JSON.stringify(reply, null, 2));
      return 0;
    }
    ctx.out(`settings version ${reply.settings_version}; ${reply.nodes.length} secondar${reply.nodes.length === 1 ? 'y' : 'ies'}`);
    const rows = reply.nodes.map((n) => [
      n.name,
      n.mode,
      n.connected ? 'connected' : `last seen ${ago(n.last_seen)}`,
      n.mode === 'local' ? '(local settings)' : describeReport(n.applied, 'applied'),
      n.mode === 'local' ? '' : describeReport(n.verified, 'works'),
    ]);
    for (const line of table(['NAME', 'MODE', 'CONNECTION', 'APPLIED', 'VERIFIED'], rows)) ctx.out(line);
    return 0;
  },
};

export const nodesRemoveCommand: Command = {
  name: 'nodes remove',
  summary: 'on the primary: revoke a secondary (its stream is closed, its next call refused)',
  usage: 'appliance-mail nodes remove NAME [--config PATH]',
  help: [CONFIG_HELP],
  options: { ...CONFIG_OPTION },
  positionals: true,
  async run(args, ctx) {
    const name = onePositional(args, nodesRemoveCommand, 'node name');
    await withAdminControl(args, ctx, (c) => c.removeNode({ name }));
    ctx.out(`removed ${name}`);
    return 0;
  },
};

export const leaveCommand: Command = {
  name: 'leave',
  summary: 'on a secondary: forget the primary (credential and centralized settings), to join again',
  usage: 'appliance-mail leave [--config PATH]',
  help: [CONFIG_HELP, "  The primary still lists the node until 'appliance-mail nodes remove NAME' there."],
  options: { ...CONFIG_OPTION },
  async run(args, ctx) {
    const reply = await withAdminControl(args, ctx, (c) => c.leave());
    ctx.out(`left ${reply.primary}; this node now uses the mail settings of its own config file`);
    return 0;
  },
};
