/**
 * Secrets typed by an operator: never on the command line (the process list and the shell history
 * would keep them). From a terminal, read without echo; from a pipe, one secret per line.
 */
import { createInterface } from 'node:readline';
import { AppError } from '../errors/registry.js';

/** Lines of stdin when it is not a terminal, read once and handed out in order. */
let pipedLines: Promise<string[]> | null = null;
let pipedNext = 0;

export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** One secret: from the terminal with `prompt` on stderr and no echo, or the next line of stdin. */
export async function readSecret(prompt: string): Promise<string> {
  if (!stdinIsTerminal()) {
    pipedLines ??= readAllLines();
    const lines = await pipedLines;
    const line = lines[pipedNext++];
    if (line === undefined) throw new AppError('AM_USAGE', 'expected a secret on a line of stdin, and stdin ended');
    return line;
  }
  return readFromTerminal(prompt);
}

async function readAllLines(): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of reader) lines.push(line);
  return lines;
}

function readFromTerminal(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const finish = (error: AppError | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(null);
        if (char === '\u0003') return finish(new AppError('AM_USAGE', 'interrupted'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
      return undefined;
    };
    stdin.on('data', onData);
  });
}

/** A yes/no question on stderr, answered on the terminal or by the next line of stdin; only "y" or "yes" is yes. */
export async function confirm(question: string): Promise<boolean> {
  let answer: string;
  if (stdinIsTerminal()) {
    const reader = createInterface({ input: process.stdin, output: process.stderr });
    answer = await new Promise<string>((resolve) => reader.question(`${question} [y/N] `, resolve));
    reader.close();
  } else {
    process.stderr.write(`${question} [y/N] `);
    pipedLines ??= readAllLines();
    answer = (await pipedLines)[pipedNext++] ?? '';
    process.stderr.write('\n');
  }
  return /^y(es)?$/i.test(answer.trim());
}
