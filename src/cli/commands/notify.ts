/** CLI commands for the update and backup jobs and for the Portal's digests. */
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors/registry.js';
import { APPLIANCE_EVENTS } from '../../notify/appliance-events.js';
import { CONFIG_HELP, CONFIG_OPTION, onePositional, type Command } from '../command.js';
import { withControl } from '../with-control.js';

export const notifyCommand: Command = {
  name: 'notify',
  summary: 'send an Appliance notification to notifications.recipients',
  usage: `appliance-mail notify EVENT [--version V] [--detail TEXT] [--key K] [--config PATH]`,
  help: [
    CONFIG_HELP,
    `  EVENT               ${APPLIANCE_EVENTS.join(' | ')}`,
    '      --version V     the software version concerned',
    '      --detail TEXT   what went wrong (for the error events), shown as text',
    '      --key K         idempotency key: the same key again queues nothing new',
  ],
  options: { ...CONFIG_OPTION, version: { type: 'string' }, detail: { type: 'string' }, key: { type: 'string' } },
  positionals: true,
  async run(args, ctx) {
    const event = onePositional(args, notifyCommand, 'event');
    const str = (name: string) => (typeof args.values[name] === 'string' ? (args.values[name] as string) : '');
    const reply = await withControl(args, ctx, (c) => c.notify({ event, version: str('version'), detail: str('detail'), idempotency_key: str('key') }));
    ctx.out(reply.id);
    return 0;
  },
};

export const digestCommand: Command = {
  name: 'digest',
  summary: 'send a dashboard digest from a JSON file (as the Portal does)',
  usage: 'appliance-mail digest --file DIGEST.json [--config PATH]',
  help: [CONFIG_HELP, '      --file PATH     the digest, shaped as in config/digest-example.json (see docs/reference/notifications.md)'],
  options: { ...CONFIG_OPTION, file: { type: 'string' } },
  async run(args, ctx) {
    const file = args.values['file'];
    if (typeof file !== 'string') throw new AppError('AM_USAGE', `--file is required. Usage: ${digestCommand.usage}`);
    let digest: { dashboard?: unknown; period?: unknown; subscribers?: unknown; items?: unknown; idempotencyKey?: unknown };
    try {
      digest = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new AppError('AM_MESSAGE_INVALID', `cannot read digest ${file}: ${(err as Error).message}`);
    }
    // Field types are checked by the daemon; here only the JSON is mapped onto the request.
    const reply = await withControl(args, ctx, (c) =>
      c.submitDigest({
        dashboard: digest.dashboard as string,
        period: digest.period as string,
        subscribers: digest.subscribers as string[],
        items: digest.items as [],
        idempotency_key: typeof digest.idempotencyKey === 'string' ? digest.idempotencyKey : '',
      }),
    );
    ctx.out(reply.id);
    return 0;
  },
};
