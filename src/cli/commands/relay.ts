/** CLI commands of the relay: submit an alert, look at and act on the outbox, test the settings. */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/registry.js';
import { formatBytes } from '../../util/bytes.js';
import { CONFIG_HELP, CONFIG_OPTION, type Command } from '../command.js';
import { ago, clip, table } from '../format.js';
import { readSecret } from '../prompt.js';
import { withAdminControl, withControl } from '../with-control.js';
import { stripControl } from '../../util/text.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const alertCommand: Command = {
  name: 'alert',
  summary: 'queue an email (as the Engine does); prints its id once it is safely on disk',
  usage: 'appliance-mail alert --to ADDR[,ADDR...] --subject S [--text T | --html-file F] [--key K] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --to LIST          recipients, comma-separated',
    '      --subject S        the subject (no line breaks)',
    '      --text T           the text body; without --text or --html-file, the body is read from stdin',
    '      --html-file F      an HTML body from a file',
    '      --key K            idempotency key: the same message again under the same key queues nothing new',
  ],
  options: { ...CONFIG_OPTION, to: { type: 'string' }, subject: { type: 'string' }, text: { type: 'string' }, 'html-file': { type: 'string' }, key: { type: 'string' } },
  async run(args, ctx) {
    const to = args.values['to'];
    const subject = args.values['subject'];
    if (typeof to !== 'string' || typeof subject !== 'string') throw new AppError('AM_USAGE', `--to and --subject are required. Usage: ${alertCommand.usage}`);
    const htmlFile = args.values['html-file'];
    const html = typeof htmlFile === 'string' ? await readFile(htmlFile, 'utf8') : '';
    let text = typeof args.values['text'] === 'string' ? (args.values['text'] as string) : '';
    if (text === '' && html === '') text = await readStdin();
    const key = typeof args.values['key'] === 'string' ? (args.values['key'] as string) : '';
    const reply = await withControl(args, ctx, (c) => c.submit({ to: [to], subject, text, html, kind: 'alert', idempotency_key: key }));
    ctx.out(reply.id);
    if (reply.duplicate) ctx.err('already queued under this key; nothing new was queued');
    return 0;
  },
};

export const outboxCommand: Command = {
  name: 'outbox',
  summary: 'list queued, deferred and dead messages (as mailq)',
  usage: 'appliance-mail outbox [--json] [--config PATH]',
  help: [CONFIG_HELP, '      --json          one JSON object, for scripts'],
  options: { ...CONFIG_OPTION, json: { type: 'boolean' } },
  async run(args, ctx) {
    const reply = await withAdminControl(args, ctx, (c) => c.listOutbox());
    if (args.values['json']) {
      ctx.out(JSON.stringify(reply, null, 2));
      return 0;
    }
    if (reply.entries.length === 0) {
      ctx.out('the outbox is empty');
      return 0;
    }
    const rows = reply.entries.map((e) => [
      e.id,
      e.kind,
      e.state === 'deferred' ? `deferred, next ${ago(e.next_attempt_at)}` : e.state,
      clip(e.to.join(','), 40),
      e.sender,
      clip(e.subject, 40),
      formatBytes(Number(e.size_bytes)),
      String(e.attempts),
      ago(e.created_at),
      clip(e.last_error, 100),
    ]);
    for (const line of table(['ID', 'KIND', 'STATE', 'TO', 'SENDER', 'SUBJECT', 'SIZE', 'TRIES', 'QUEUED', 'LAST ERROR'], rows)) ctx.out(line);
    return 0;
  },
};

export const outboxFlushCommand: Command = {
  name: 'outbox flush',
  summary: 'try every deferred message now (as postqueue -f)',
  usage: 'appliance-mail outbox flush [--config PATH]',
  help: [CONFIG_HELP],
  options: { ...CONFIG_OPTION },
  async run(args, ctx) {
    const reply = await withAdminControl(args, ctx, (c) => c.flushOutbox());
    ctx.out(`${reply.deferred} deferred message(s) are being tried now`);
    return 0;
  },
};

export const outboxRetryCommand: Command = {
  name: 'outbox retry',
  summary: 'put dead letters back in the queue, or try deferred messages now',
  usage: 'appliance-mail outbox retry ID... | --all-dead [--config PATH]',
  help: [CONFIG_HELP, '      --all-dead      every dead letter', '  An id may be a dead letter or a deferred message; tries are counted on.'],
  options: { ...CONFIG_OPTION, 'all-dead': { type: 'boolean' } },
  positionals: true,
  async run(args, ctx) {
    const allDead = args.values['all-dead'] === true;
    if (allDead === (args.positionals.length > 0)) throw new AppError('AM_USAGE', `give message ids or --all-dead. Usage: ${outboxRetryCommand.usage}`);
    const reply = await withAdminControl(args, ctx, (c) => c.retryOutbox({ ids: args.positionals, all_dead: allDead }));
    ctx.out(`requeued ${reply.requeued} message(s)`);
    return 0;
  },
};

export const outboxDropCommand: Command = {
  name: 'outbox drop',
  summary: 'remove messages from the outbox for good',
  usage: 'appliance-mail outbox drop ID... | --all-dead [--config PATH]',
  help: [CONFIG_HELP, '      --all-dead      every dead letter'],
  options: { ...CONFIG_OPTION, 'all-dead': { type: 'boolean' } },
  positionals: true,
  async run(args, ctx) {
    const allDead = args.values['all-dead'] === true;
    if (allDead === (args.positionals.length > 0)) throw new AppError('AM_USAGE', `give message ids or --all-dead. Usage: ${outboxDropCommand.usage}`);
    const reply = await withAdminControl(args, ctx, (c) => c.dropOutbox({ ids: args.positionals, all_dead: allDead }));
    ctx.out(allDead ? `dropped ${reply.dropped} message(s)` : args.positionals.map((id) => `dropped ${id}`).join('\n'));
    return 0;
  },
};

export const testEmailCommand: Command = {
  name: 'test-email',
  summary: 'send a test email now, printing each step (connect, STARTTLS, AUTH, reply)',
  usage: 'appliance-mail test-email [--to ADDR] [--server H:P --sender A [--username U] [--no-tls]] [--config PATH]',
  help: [
    CONFIG_HELP,
    '      --to ADDR       recipient (default: notifications.recipients)',
    '      --server H:P    test these values instead of the settings in force; nothing is saved',
    '      --sender A      the sender to test (required with --server)',
    '      --username U    authenticate as U; the password is read from the terminal (not echoed)',
    '                      or from the first line of stdin, never from the command line',
    '      --no-tls        plain text instead of the default STARTTLS',
    '  Exit 0 only if the mail server accepted the message.',
  ],
  options: { ...CONFIG_OPTION, to: { type: 'string' }, server: { type: 'string' }, sender: { type: 'string' }, username: { type: 'string' }, 'no-tls': { type: 'boolean' } },
  async run(args, ctx) {
    const to = typeof args.values['to'] === 'string' ? [args.values['to'] as string] : [];
    const server = args.values['server'];
    const sender = args.values['sender'];
    const username = typeof args.values['username'] === 'string' ? (args.values['username'] as string) : '';
    if (typeof server !== 'string' && (sender !== undefined || username !== '' || args.values['no-tls'] !== undefined)) {
      throw new AppError('AM_USAGE', `--sender, --username and --no-tls go with --server. Usage: ${testEmailCommand.usage}`);
    }
    if (typeof server === 'string' && typeof sender !== 'string') throw new AppError('AM_USAGE', `--server needs --sender. Usage: ${testEmailCommand.usage}`);
    let accepted = false;
    await withAdminControl(args, ctx, async (c) => {
      // Asked for only once the administrators' door is known to be open to this user.
      const password = typeof server === 'string' && username !== '' ? await readSecret(`Password for ${username}: `) : '';
      const mailServer = typeof server === 'string' ? { server, sender: sender as string, username, password, tls: args.values['no-tls'] !== true } : undefined;
      return c.testEmail({ to, ...(mailServer ? { mail_server: mailServer } : {}) }, (step) => {
        ctx.out(`${step.ok ? 'ok  ' : 'FAIL'} ${stripControl(step.step).padEnd(8)} ${stripControl(step.detail)}`);
        if (step.hint) ctx.out(`     ${'fix'.padEnd(8)} ${stripControl(step.hint)}`);
        accepted = step.step === 'message' && step.ok;
      });
    });
    return accepted ? 0 : 1;
  },
};
