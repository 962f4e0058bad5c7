/**
 * Every command of the `appliance-mail` CLI, in the order `--help` lists them. The CLI runs them;
 * the reference docs and the man page appliance-mail(8) are generated from the same table
 * (scripts/docs/cli.mjs), so a command and its options are declared once.
 */
import type { Command } from './command.js';
import { consolePasswdCommand, consoleRemoveCommand } from './commands/console.js';
import { daemonCommand } from './commands/daemon.js';
import {
  centralizeCommand,
  joinCommand,
  leaveCommand,
  localCommand,
  nodesCommand,
  nodesRemoveCommand,
  tokenCreateCommand,
  tokenDeleteCommand,
  tokenListCommand,
} from './commands/federation.js';
import { alertCommand, outboxCommand, outboxDropCommand, outboxFlushCommand, outboxRetryCommand, testEmailCommand } from './commands/relay.js';
import { digestCommand, notifyCommand } from './commands/notify.js';
import { sendmailCommand } from './commands/sendmail.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';

/** What the CLI is, in one line (`--help`, the man page's NAME). */
export const CLI_SUMMARY = 'Outgoing mail for this Appliance: alerts, digests and notifications through the effective mail server settings.';

export const COMMANDS: Command[] = [
  daemonCommand,
  validateCommand,
  statusCommand,
  alertCommand,
  testEmailCommand,
  notifyCommand,
  digestCommand,
  outboxCommand,
  outboxFlushCommand,
  outboxRetryCommand,
  outboxDropCommand,
  sendmailCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenDeleteCommand,
  joinCommand,
  centralizeCommand,
  localCommand,
  leaveCommand,
  nodesCommand,
  nodesRemoveCommand,
  consolePasswdCommand,
  consoleRemoveCommand,
];
