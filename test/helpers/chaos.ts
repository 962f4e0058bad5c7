/** Shared by the fault tests: how many rounds, and where their figures go. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { headerValue } from './mail.js';
import type { SmtpSink } from './smtp.js';

/** `npm test` runs a short version; `npm run chaos` sets CHAOS_ROUNDS=20. */
export const ROUNDS = Number(process.env['CHAOS_ROUNDS'] ?? 3);

/** Prints a fault test's figures, and keeps them for docs/CHAOS.md when CHAOS_RESULTS is set. */
export function reportFigures(name: string, figures: Record<string, number | string>): void {
  console.log(`${name}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const dir = process.env['CHAOS_RESULTS'];
  if (dir) {
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'results.jsonl'), `${JSON.stringify({ name, rounds: ROUNDS, ...figures })}\n`);
  }
}

/** How many times each outbox id arrived at the sink. */
export function deliveries(sink: SmtpSink): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sink.received) {
    const id = headerValue(mail.raw, 'X-Appliance-Mail-Id') ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
};
