/** CLI commands of the audit trail: what changed, when, by whom, through which door; and back. */
import { parseDurationMs } from '../../config/defaults.js';
import { AppError } from '../../errors/registry.js';
import type { AuditEntry__Output } from '../../generated/appliance_mail/control/v1/AuditEntry.js';
import type { FieldChange__Output } from '../../generated/appliance_mail/control/v1/FieldChange.js';
import { CONFIG_HELP, CONFIG_OPTION, onePositional, type Command } from '../command.js';
import { ago, clip, keyValues, table } from '../format.js';
import { confirm } from '../prompt.js';
import { withAdminControl } from '../with-control.js';

export const historyCommand: Command = {
  name: 'history',
  summary: 'the audit trail, newest first: who changed what, when, through which door',
  usage: 'appliance-mail history [--json] [--since DURATION] [--limit N] [--kind KIND] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --since DURATION  only entries this recent (30m, 12h, 7d)',
    '      --limit N         at most N entries',
    '      --kind KIND       settings, settings-refused, revert, federation, token, node, console-account, console-login, outbox, oauth2',
    '      --json            the entries as JSON, for scripts',
    "  'appliance-mail history show ID' prints one entry with its field diff.",
  ],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' }, since: { type: 'string' }, limit: { type: 'string' }, kind: { type: 'string' } },
  async run(args, ctx) {
    const since = stringOption(args.values['since']);
    let sinceSeconds = 0;
    if (since !== '') {
      try {
        sinceSeconds = Math.ceil(parseDurationMs(since) / 1000);
      } catch {
        throw new AppError('AM_USAGE', `--since: '${clip(since, 20)}' is not a duration such as 30m, 12h or 7d`);
      }
    }
    const limit = positiveInteger(stringOption(args.values['limit']), '--limit');
    const reply = await withAdminControl(args, ctx, (c) => c.history({ since_seconds: sinceSeconds, limit, kind: stringOption(args.values['kind']), actor: '' }));
    if (args.values['json']) {
      ctx.out(JSON.stringify(reply.entries, null, 2));
      return 0;
    }
    if (reply.entries.length === 0) {
      ctx.out('no entries');
      return 0;
    }
    for (const line of table(
      ['ID', 'TIME', 'ACTOR', 'DOOR', 'SUMMARY', 'VERSION'],
      reply.entries.map((e) => [String(e.id), `${e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${ago(e.at)})`, clip(e.actor, 40), e.door, clip(e.summary, 70), e.version]),
    )) ctx.out(line);
    return 0;
  },
};

export const historyShowCommand: Command = {
  name: 'history show',
  summary: 'one audit entry whole, with its field diff, and what a revert to it would change',
  usage: 'appliance-mail history show ID [--json] [--config PATH]',
  help: [CONFIG_HELP, '      --json          the entry as JSON'],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  positionals: true,
  async run(args, ctx) {
    const id = entryId(onePositional(args, historyShowCommand, 'entry id'));
    const reply = await withAdminControl(args, ctx, (c) => c.historyEntry({ id }));
    if (args.values['json']) {
      ctx.out(JSON.stringify(reply, null, 2));
      return 0;
    }
    const entry = reply.entry!;
    for (const line of describeEntry(entry)) ctx.out(line);
    ctx.out('');
    if (reply.revert_refused !== '') ctx.out(`revert: not possible: ${reply.revert_refused}`);
    else for (const line of ['a revert to it (appliance-mail revert ' + String(id) + ') would change:', ...diffLines(reply.revert_changes)]) ctx.out(line);
    return 0;
  },
};

export const revertCommand: Command = {
  name: 'revert',
  summary: "write an audit entry's saved configuration back to the config file, which then applies",
  usage: 'appliance-mail revert ID [--yes] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --yes           do not ask: write it back at once',
    '  Shows what would change and asks first. Refused, with nothing written, when the config file',
    '  changed since it was shown, or when the revert would change node.role, a setting that needs a',
    '  restart, or the mail settings of a centralized secondary.',
  ],
  options: { ...CONFIG_OPTION, yes: { type: 'boolean' } },
  positionals: true,
  async run(args, ctx) {
    const id = entryId(onePositional(args, revertCommand, 'entry id'));
    const reply = await withAdminControl(args, ctx, async (c) => {
      const plan = await c.historyEntry({ id });
      if (plan.revert_refused !== '') throw new AppError('AM_REVERT_REFUSED', `revert to #${id} refused: ${plan.revert_refused}; nothing was written`);
      if (args.values['yes'] !== true) {
        for (const line of [`revert to #${id} (version ${plan.entry?.version ?? ''}) changes:`, ...diffLines(plan.revert_changes)]) ctx.err(line);
        if (!(await confirm('Write it back to the config file?'))) return null;
      }
      return c.revert({ id, expected_digest: plan.file_digest });
    });
    if (reply === null) {
      ctx.out('nothing was written');
      return 1;
    }
    ctx.out(reply.applied ? `reverted to #${id}: version ${reply.version} is in force (audit entry #${reply.entry_id})` : `written as version ${reply.version}, not applied yet: see appliance-mail status`);
    return reply.applied ? 0 : 1;
  },
};

export function describeEntry(e: AuditEntry__Output): string[] {
  return [
    ...keyValues([
      ['Entry', `#${e.id} (${e.kind})`],
      ['Time', `${e.at} (${ago(e.at)})`],
      ['Actor', e.address === '' ? e.actor : `${e.actor} from ${e.address}`],
      ['Door', e.door],
      ['Summary', e.summary],
      ...(e.version === '' ? [] : [['Version', `${e.version}${e.kept ? ' (kept: can be reverted to)' : ''}`] as const]),
      ...(e.reason === '' ? [] : [['Reason', e.reason] as const]),
      ...(e.revert_of === 0 ? [] : [['Revert of', `#${e.revert_of}`] as const]),
    ]),
    ...(e.changes.length === 0 ? [] : ['', 'Changes:', ...diffLines(e.changes)]),
  ];
}

/** One line per field: `  path: before → after`; a secret only says that it changed. */
export function diffLines(changes: readonly FieldChange__Output[]): string[] {
  if (changes.length === 0) return ['  (no setting differs)'];
  return table(
    ['  FIELD', 'BEFORE', 'AFTER'],
    changes.map((c) => [`  ${c.path}`, c.secret ? `(secret, ${c.before})` : clip(c.before, 60), c.secret ? `changed (${c.after})` : clip(c.after, 60)]),
  );
}

function stringOption(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function positiveInteger(text: string, option: string): number {
  if (text === '') return 0;
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0) throw new AppError('AM_USAGE', `${option}: give a whole number above 0`);
  return Number(text);
}

function entryId(text: string): number {
  const id = Number(text.replace(/^#/, ''));
  if (!/^#?\d{1,9}$/.test(text) || id === 0) throw new AppError('AM_USAGE', `'${clip(text, 20)}' is not an audit entry id (see appliance-mail history)`);
  return id;
}
