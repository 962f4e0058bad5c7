import type { Outbox } from './outbox.js';

/** What status must say about the outbox: damage found in its journal at start, a state folder lost under it, a floor it cannot apply. */
export async function outboxWarnings(outbox: Outbox): Promise<string[]> {
  const unmeasured = await outbox.freeSpaceWarning();
  return [...replayWarnings(outbox), ...stateWarnings(outbox), ...(unmeasured ? [unmeasured] : [])];
}

function replayWarnings(outbox: Outbox): string[] {
  const replay = outbox.replay;
  if (replay.damaged.length === 0 && replay.tornTailBytes === 0) return [];
  const skipped = replay.damaged.reduce((n, d) => n + d.bytes, 0);
  return [
    `the outbox journal was damaged at start: ${replay.records} intact records kept, ${skipped} damaged bytes skipped in ${replay.damaged.length} place(s), torn tail of ${replay.tornTailBytes} bytes cut (see the log for offsets)`,
  ];
}

function stateWarnings(outbox: Outbox): string[] {
  const loss = outbox.stateLoss();
  if (!loss) return [];
  const since = new Date(loss.since).toISOString();
  if (loss.recoveredAt === null) {
    return [`state lost: ${loss.reason} (${since}); the queue is held in memory only and no mail is accepted until it is written there again [AM_STATE_LOST]. Do not restart the daemon now`];
  }
  return [`state lost and restored: ${loss.reason} (${since}); the queue was written there again at ${new Date(loss.recoveredAt).toISOString()} (${loss.count} time(s) since start). Find what removed it [AM_STATE_LOST]`];
}
