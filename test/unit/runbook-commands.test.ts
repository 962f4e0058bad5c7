/**
 * Every `appliance-mail …` command a runbook in docs/prometheus-alerts.yml quotes is one the CLI
 * accepts: each goes through the CLI's own parser (the command table and its options), without
 * running it. A runbook once said `appliance-mail outbox --dead`, which the CLI refuses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/command.js';
import { findCommand, parseUsage } from '../../src/cli/parse.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RULES = resolve(ROOT, 'docs/prometheus-alerts.yml');

/** Every command the CLI has: each module of src/cli/commands exports its commands. */
async function allCommands(): Promise<Command[]> {
  const folder = resolve(ROOT, 'src/cli/commands');
  const modules = await Promise.all(readdirSync(folder).filter((f) => f.endsWith('.ts')).map((f) => import(resolve(folder, f)) as Promise<Record<string, unknown>>));
  return modules.flatMap((m) => Object.values(m)).filter((v): v is Command => typeof v === 'object' && v !== null && 'name' in v && 'run' in v && 'options' in v);
}

/** The commands quoted in backticks: `appliance-mail outbox retry --all-dead`. */
export function quotedCommands(text: string): string[][] {
  return [...text.matchAll(/`appliance-mail ([^`]+)`/g)].map((m) => m[1]!.trim().split(/\s+/));
}

describe('runbook commands in docs/prometheus-alerts.yml', () => {
  it('are each accepted by the CLI\'s parser', async () => {
    const commands = await allCommands();
    const quoted = quotedCommands(readFileSync(RULES, 'utf8'));
    expect(quoted.length).toBeGreaterThan(10);
    const refused = quoted.flatMap((argv) => {
      const found = findCommand(commands, argv);
      if (!found) return [`${argv.join(' ')}: no such command`];
      try {
        parseUsage(found.command, found.rest);
        return [];
      } catch (err) {
        return [`${argv.join(' ')}: ${(err as Error).message}`];
      }
    });
    expect(refused).toEqual([]);
  });

  it('the check refuses what the CLI refuses (the old runbook\'s --dead)', async () => {
    const commands = await allCommands();
    const [argv] = quotedCommands('`appliance-mail outbox --dead`');
    const found = findCommand(commands, argv!);
    expect(found?.command.name).toBe('outbox');
    expect(() => parseUsage(found!.command, found!.rest)).toThrow(/Unknown option '--dead'/);
  });
});
