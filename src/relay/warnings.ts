import type { Outbox } from './outbox.js';

/** What status must say about the outbox: damage found in its journal at start, a floor it cannot apply. */
export async function outboxWarnings(outbox: Outbox): Promise<string[]> {
  const warnings: string[] = [];
  const replay = outbox.replay;
  if (replay.damaged.length > 0 || replay.tornTailBytes > 0) {
    const skipped = replay.damaged.reduce((n, d) => n + d.bytes, 0);
    warnings.push(
      `the outbox journal was damaged at start: ${replay.records} intact records kept, ${skipped} damaged bytes skipped in ${replay.damaged.length} place(s), torn tail of ${replay.tornTailBytes} bytes cut (see the log for offsets)`,
    );
  }
  const unmeasured = await outbox.freeSpaceWarning();
  if (unmeasured) warnings.push(unmeasured);
  return warnings;
}
