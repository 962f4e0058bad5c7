import { CONFIG_HELP, CONFIG_OPTION, configPath, type Command } from '../command.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config file without applying it',
  usage: 'appliance-mail validate [--config PATH]',
  help: [CONFIG_HELP, '  Exit 0 when the file is valid; otherwise every problem is printed with its field.'],
  options: { ...CONFIG_OPTION },
  async run(args, ctx) {
    // The schema (zod) only for the command that needs it: see daemon.ts.
    const [{ loadConfigFile }, { describeMailServer }] = await Promise.all([import('../../config/load.js'), import('../../settings/view.js')]);
    const config = loadConfigFile(configPath(args, ctx.env));
    const mail = describeMailServer(config.mailServer);
    ctx.out(`${config.file}: valid (version ${config.version})`);
    ctx.out(`  node ${config.node.name}, role ${config.node.role}, state in ${config.node.stateDir}`);
    ctx.out(`  mail server ${mail.enabled ? `enabled, ${mail.server}, ${mail.tls ? 'STARTTLS required' : 'plain text'}` : 'disabled'}`);
    ctx.out(`  ${config.notifications.recipients.length} notification recipient(s)`);
    return 0;
  },
};
