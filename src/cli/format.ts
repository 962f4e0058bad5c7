/**
 * Plain-text layout for the CLI: aligned two-column blocks and tables, durations in words. Cells
 * often hold what a peer sent (a secondary's report, a mail server's reply): control characters
 * are stripped from every cell, so nothing printed can act on the terminal.
 */
import { stripControl } from '../util/text.js';
import { parseTime, relativeTime } from '../util/time-format.js';

export function keyValues(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${stripControl(value)}`);
}

export function table(header: readonly string[], dirtyRows: ReadonlyArray<readonly string[]>): string[] {
  const rows = dirtyRows.map((row) => row.map(stripControl));
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export { duration } from '../util/time-format.js';

/**
 * The one way the CLI shows a time (status and outbox alike): "3m12s ago" for the past, "in 45s"
 * for the future, "never" for an empty RFC 3339 string.
 */
export function ago(iso: string, now = Date.now()): string {
  const at = parseTime(iso);
  return at === null ? 'never' : relativeTime(at, now);
}

/** At most `max` characters, cut between words (never inside an address), with "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
