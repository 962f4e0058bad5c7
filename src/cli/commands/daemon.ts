import { loadConfigFile } from '../../config/load.js';
import { startDaemon } from '../../daemon.js';
import { routeGrpcLogs } from '../../log/grpc-log.js';
import { createLogger } from '../../log/logger.js';
import { CONFIG_HELP, CONFIG_OPTION, configPath, type Command } from '../command.js';

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run the daemon in the foreground (systemd runs this)',
  usage: 'appliance-mail daemon [--config PATH]',
  help: [CONFIG_HELP, '  Logs are JSON lines on stdout. SIGTERM or SIGINT stop it cleanly (exit 0).'],
  options: { ...CONFIG_OPTION },
  async run(args, ctx) {
    const config = loadConfigFile(configPath(args, ctx.env));
    const log = createLogger({ level: config.log.level });
    routeGrpcLogs(log);
    const daemon = await startDaemon(config, log);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log.info({ component: 'daemon', signal }, 'shutting down');
    await daemon.close();
    return 0;
  },
};
