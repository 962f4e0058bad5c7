import { CONFIG_HELP, CONFIG_OPTION, configPath, type Command } from '../command.js';

export const daemonCommand: Command = {
  name: 'daemon',
  summary: 'run the daemon in the foreground (systemd runs this)',
  usage: 'appliance-mail daemon [--config PATH]',
  help: [
    CONFIG_HELP,
    '  Logs are JSON lines on stdout (under systemd, each with its journald priority). SIGTERM or SIGINT stop it cleanly (exit 0); SIGHUP reads the config file and every file it names again.',
  ],
  options: { ...CONFIG_OPTION },
  async run(args, ctx) {
    // Loaded here, not at the top, as everything below: every other command (status, sendmail,
    // --help) would otherwise load the config's schema, the logger and the whole daemon (fastify,
    // the console, the federation), and start several times as slowly.
    const [{ loadConfigFile }, { routeGrpcLogs }, { createLogger, stdoutIsJournal }, { createSystemdReadiness }] = await Promise.all([
      import('../../config/load.js'),
      import('../../log/grpc-log.js'),
      import('../../log/logger.js'),
      import('../../systemd/readiness.js'),
    ]);
    const config = loadConfigFile(configPath(args, ctx.env));
    const log = createLogger({ level: config.log.level, journald: stdoutIsJournal(ctx.env) });
    routeGrpcLogs(log);
    const systemd = createSystemdReadiness(ctx.env, log.child({ component: 'systemd' }));
    // Listening before start: a stop asked for while starting (or right after "ready") is a clean stop.
    const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    // SIGHUP (systemctl reload): read the config file and every file it names again. Caught from
    // here on, since its default action ends the process; one that arrives while starting is
    // served once the daemon is up.
    let reload: () => void = () => {
      reload = () => undefined;
      hangupWhileStarting = true;
    };
    let hangupWhileStarting = false;
    process.on('SIGHUP', () => reload());
    const { startDaemon } = await import('../../daemon.js');
    const daemon = await startDaemon(config, log);
    reload = () => void daemon.config.reload();
    if (hangupWhileStarting) reload();
    // startDaemon resolves once the control sockets, the federation port, the submission port and the outbox serve.
    await systemd.ready(`serving as ${config.node.role} ${config.node.name}`);
    const signal = await stopSignal;
    log.info({ component: 'daemon', signal }, 'shutting down');
    await systemd.stopping();
    await daemon.close();
    return 0;
  },
};
