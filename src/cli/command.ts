/** What every CLI command declares: its name, its help, its options, and what it runs. */
import type { ParseArgsConfig } from 'node:util';
import { AppError } from '../errors/registry.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Lines of help below the usage: what each option means. */
  help: string[];
  options: OptionSpec;
  /** Positional arguments allowed (e.g. `nodes remove NAME`). */
  positionals?: boolean;
  /** The words after the name go to `run` as positionals, unparsed: a foreign command line (sendmail's). */
  rawArgs?: boolean;
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

const DEFAULT_CONFIG_PATH = '/etc/appliance-mail/config.json';

export const CONFIG_OPTION: OptionSpec = { config: { type: 'string', short: 'c' } };
export const CONFIG_HELP = `  -c, --config PATH   config file (default: $APPLIANCE_MAIL_CONFIG, else ${DEFAULT_CONFIG_PATH})`;

/** The one positional argument a command takes (`nodes remove NAME`), or a usage error naming it. */
export function onePositional(args: ParsedArgs, command: Command, what: string): string {
  const [value, ...extra] = args.positionals;
  if (!value || extra.length > 0) throw new AppError('AM_USAGE', `give one ${what}. Usage: ${command.usage}`);
  return value;
}

export function configPath(args: ParsedArgs, env: NodeJS.ProcessEnv): string {
  const given = args.values['config'];
  if (typeof given === 'string') return given;
  return env['APPLIANCE_MAIL_CONFIG'] || DEFAULT_CONFIG_PATH;
}
