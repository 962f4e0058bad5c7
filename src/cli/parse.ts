/**
 * How a command line becomes a command and its arguments, apart from running it: the CLI uses it,
 * and a test checks with it that every command a runbook quotes (docs/prometheus-alerts.yml)
 * would be accepted.
 */
import { parseArgs } from 'node:util';
import { AppError } from '../errors/registry.js';
import type { Command, ParsedArgs } from './command.js';

/** Finds the command for argv: the longest name that prefixes it ("nodes remove" before "nodes"). */
export function findCommand(commands: readonly Command[], argv: string[]): { command: Command; rest: string[] } | null {
  const candidates = commands
    .map((command) => ({ command, words: command.name.split(' ') }))
    .filter(({ words }) => words.every((word, i) => argv[i] === word))
    .sort((a, b) => b.words.length - a.words.length);
  const best = candidates[0];
  return best ? { command: best.command, rest: argv.slice(best.words.length) } : null;
}

/** The command's options and positionals from `rest`; AM_USAGE naming the problem and the usage. */
export function parseUsage(command: Command, rest: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new AppError('AM_USAGE', `${(err as Error).message}. Usage: ${command.usage}`);
  }
}
