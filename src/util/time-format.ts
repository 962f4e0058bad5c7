/**
 * The one way a time is shown, in the CLI, the console's pages and the mails: the local time with
 * its UTC offset ("2026-12-03 22:31:05 +01:00"), so that a reader in any zone knows which instant
 * it is, and how long ago or ahead it is ("3m12s ago", "in 45s") where a reader compares it with now.
 */

/** A span in words: "45s", "3m12s", "2h05m", "3d04h". */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** "3m12s ago" for the past, "in 45s" for the future. */
export function relativeTime(at: Date, now = Date.now()): string {
  const seconds = (now - at.getTime()) / 1000;
  return seconds < 0 ? `in ${duration(-seconds)}` : `${duration(seconds)} ago`;
}

/** The local time with its UTC offset: "2026-12-03 22:31:05 +01:00". */
export function localTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())} ${zone}`;
}

/** Both: "2026-12-03 22:31:05 +01:00 (3m12s ago)". */
export function timeAndAge(at: Date, now = Date.now()): string {
  return `${localTime(at)} (${relativeTime(at, now)})`;
}

/** A time from RFC 3339 text; null for '' or text that is no time. */
export function parseTime(iso: string | Date | null | undefined): Date | null {
  if (!iso) return null;
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(date.getTime()) ? null : date;
}
