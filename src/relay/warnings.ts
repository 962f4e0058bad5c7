import type { Outbox } from './outbox.js';

/** What status must say about the outbox: damage found in its journal at start. */
export function outboxWarnings(outbox: Outbox): string[] {
  const replay = outbox.replay;
  if (replay.damaged.length === 0 && replay.tornTailBytes === 0) return [];
  const skipped = replay.damaged.reduce((n, d) => n + d.bytes, 0);
  return [
    `the outbox journal was damaged at start: ${replay.records} intact records kept, ${skipped} damaged bytes skipped in ${replay.damaged.length} place(s), torn tail of ${replay.tornTailBytes} bytes cut (see the log for offsets)`,
  ];
}
