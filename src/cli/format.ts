/**
 * Plain-text layout for the CLI: aligned two-column blocks and tables, durations in words. Cells
 * often hold what a peer sent (a secondary's report, a mail server's reply): control characters
 * are stripped from every cell, so nothing printed can act on the terminal.
 */
import { stripControl } from '../util/text.js';

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

export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/**
 * The one way the CLI shows a time (status and outbox alike): "3m12s ago" for the past, "in 45s"
 * for the future, "never" for an empty RFC 3339 string.
 */
export function ago(iso: string, now = Date.now()): string {
  if (iso === '') return 'never';
  const seconds = (now - Date.parse(iso)) / 1000;
  return seconds < 0 ? `in ${duration(-seconds)}` : `${duration(seconds)} ago`;
}

/** At most `max` characters, cut between words (never inside an address), with "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
