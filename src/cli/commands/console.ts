/** CLI commands of the Web Console: its administrator accounts. */
import { AppError } from '../../errors/registry.js';
import { CONFIG_HELP, CONFIG_OPTION, onePositional, type Command } from '../command.js';
import { readSecret, stdinIsTerminal } from '../prompt.js';
import { withAdminControl } from '../with-control.js';

export const consolePasswdCommand: Command = {
  name: 'console passwd',
  summary: "create a Web Console administrator or set its password",
  usage: 'appliance-mail console passwd NAME [--config PATH]',
  help: [
    CONFIG_HELP,
    '  Reads the new password twice from the terminal (not echoed), or once, as the first line of',
    '  stdin, when stdin is not a terminal. At least 8 characters. The daemon stores a salted scrypt',
    '  hash (0600, in node.stateDir) and the account works at once, without a restart.',
  ],
  options: { ...CONFIG_OPTION },
  positionals: true,
  async run(args, ctx) {
    const name = onePositional(args, consolePasswdCommand, 'user name');
    // The door is checked first: a user who may not administer is refused before any prompt.
    const reply = await withAdminControl(args, ctx, async (c) => {
      const password = await readSecret(`New password for ${name}: `);
      if (stdinIsTerminal() && (await readSecret('Again: ')) !== password) throw new AppError('AM_INVALID_ARGUMENT', 'the two passwords differ; nothing was changed');
      return c.setConsolePassword({ name, password });
    });
    ctx.out(reply.created ? `created console user ${name}` : `password of console user ${name} changed`);
    return 0;
  },
};

export const consoleRemoveCommand: Command = {
  name: 'console remove',
  summary: 'remove a Web Console administrator; its open sessions end at their next request',
  usage: 'appliance-mail console remove NAME [--config PATH]',
  help: [CONFIG_HELP],
  options: { ...CONFIG_OPTION },
  positionals: true,
  async run(args, ctx) {
    const name = onePositional(args, consoleRemoveCommand, 'user name');
    await withAdminControl(args, ctx, (c) => c.removeConsoleUser({ name }));
    ctx.out(`removed console user ${name}`);
    return 0;
  },
};
