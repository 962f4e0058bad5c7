/**
 * Text that came from another machine (a secondary's report, a mail server's reply, the
 * primary's error) is data, not terminal output: before it is stored or printed, every control
 * character goes, so that it cannot clear a screen, move the cursor, or forge a line.
 */

/**
 * C0 controls (tab, CR and LF included), DEL, C1 controls (a lone 0x9B is a CSI on many
 * terminals), the Unicode line and paragraph separators, and the bidirectional overrides and
 * isolates that can make a terminal show text in another order than it is stored.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Replaces each control character with a space: words stay apart, nothing acts on a terminal. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, ' ');
}

