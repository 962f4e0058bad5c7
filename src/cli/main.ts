#!/usr/bin/env node
/**
 * The `appliance-mail` command. Thin: pick the command, parse its arguments, run it, turn an
 * error into one line and an exit code. The only place that calls process.exit (once its
 * output has been written: src/cli/output.ts).
 */
import { basename } from 'node:path';
import { toAppError } from '../errors/registry.js';
import { routeGrpcLogs } from '../log/grpc-log.js';
import { PACKAGE_VERSION } from '../util/version.js';
import type { Command, CommandContext } from './command.js';
import { CLI_SUMMARY, COMMANDS } from './command-table.js';
import { findCommand, parseUsage } from './parse.js';
import { stripControl } from '../util/text.js';
import { createCliOutput } from './output.js';

function usage(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: appliance-mail COMMAND [options]',
    '',
    CLI_SUMMARY,
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'appliance-mail COMMAND --help' for a command's options; 'appliance-mail --version' for the version.",
  ];
}

function commandHelp(command: Command): string[] {
  return [`usage: ${command.usage}`, '', command.summary, '', ...command.help];
}

async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    ctx.out(`appliance-mail ${PACKAGE_VERSION}`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    for (const line of usage()) ctx.out(line);
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(COMMANDS, argv);
  if (!found) {
    ctx.err(`appliance-mail: unknown command '${argv[0]}'. Run 'appliance-mail --help' for the list.`);
    return 2;
  }
  const { command, rest } = found;
  // sendmail's -h is a hop count, not help.
  if (rest.includes('--help') || (!command.rawArgs && rest.includes('-h'))) {
    for (const line of commandHelp(command)) ctx.out(line);
    return 0;
  }
  try {
    const parsed = command.rawArgs ? { values: {}, positionals: rest } : parseUsage(command, rest);
    return await command.run(parsed, ctx);
  } catch (err) {
    const appError = toAppError(err);
    // The message may quote a peer (the primary, a mail server): print it as data.
    ctx.err(`appliance-mail ${command.name}: ${stripControl(appError.message)} [${appError.code}]`);
    return appError.exitCode;
  }
}

const output = createCliOutput(process.stdout, process.stderr, (code) => process.exit(code));
const ctx: CommandContext = { out: output.out, err: output.err, env: process.env };

// The daemon command routes grpc-js's own lines into its log; every other command drops them.
routeGrpcLogs(null);
// Installed as `sendmail` (a link named so, e.g. /usr/sbin/sendmail), it is the sendmail command.
const invokedAsSendmail = basename(process.argv[1] ?? '') === 'sendmail';
runCli(invokedAsSendmail ? ['sendmail', ...process.argv.slice(2)] : process.argv.slice(2), ctx).then(
  (code) => output.exitWhenWritten(code),
  (err: unknown) => {
    output.err(`appliance-mail: ${String(err)}`);
    output.exitWhenWritten(1);
  },
);
