/**
 * Room kept for what matters (docs/explanation/outbox-room.md), pure: which share of the outbox
 * each door may fill, and whether one more message fits.
 *
 * The room is what the outbox may hold: relay.maxOutboxBytes, or what it holds plus the free space
 * above relay.minFreeBytes, whichever is less. The submission port, sendmail and digests may each
 * fill a share of it (relay.shares); alerts, the Appliance's notifications and tests may fill all
 * of it. The shares add up to at most 90 %, so a flood through every capped door at once still
 * leaves room for alerts.
 */
import { AppError } from '../errors/registry.js';
import { formatBytes } from '../util/bytes.js';
import type { Door, MessageKind } from './outbox-records.js';

export const LANES = ['priority', 'port', 'sendmail', 'digest'] as const;
/** A share of the room: the capped doors, and `priority` for everything else. */
export type Lane = (typeof LANES)[number];

export interface RoomShares {
  submissionPort: number;
  sendmail: number;
  digests: number;
}

export interface RoomLimits {
  maxOutboxBytes: number;
  minFreeBytes: number;
  shares: RoomShares;
}

/** What is on disk and being written, per lane and in all. */
export interface RoomUse {
  /** Bytes stored and being written, in all. */
  total: number;
  byLane: Readonly<Record<Lane, number>>;
  /** Free bytes on the state filesystem, less what is being written (Infinity when unknown). */
  free: number;
}

const SETTING: Readonly<Record<Exclude<Lane, 'priority'>, keyof RoomShares>> = { port: 'submissionPort', sendmail: 'sendmail', digest: 'digests' };
const WHO: Readonly<Record<Exclude<Lane, 'priority'>, string>> = { port: 'the submission port', sendmail: 'sendmail', digest: 'digests' };

/** The lane of a message: its door when that door is capped, digests by kind, else priority. */
export function laneOf(door: Door | null, kind: MessageKind): Lane {
  if (door === 'port') return 'port';
  if (door === 'sendmail' || door === 'pickup') return 'sendmail';
  return kind === 'digest' ? 'digest' : 'priority';
}

/** Bytes the outbox may hold now, in all. */
export function roomBytes(use: Pick<RoomUse, 'total' | 'free'>, limits: RoomLimits): number {
  return Math.max(0, Math.min(limits.maxOutboxBytes, use.total + use.free - limits.minFreeBytes));
}

/** What each lane may hold now: its share of the room (priority: all of it). */
export function laneLimits(use: Pick<RoomUse, 'total' | 'free'>, limits: RoomLimits): Record<Lane, number> {
  const room = roomBytes(use, limits);
  const share = (lane: Exclude<Lane, 'priority'>) => Math.floor(room * limits.shares[SETTING[lane]]);
  return { priority: room, port: share('port'), sendmail: share('sendmail'), digest: share('digest') };
}

/** Throws AM_OUTBOX_FULL, naming the figure, when `bytes` more in `lane` would not fit. */
export function checkRoom(use: RoomUse, limits: RoomLimits, lane: Lane, bytes: number, dir: string): void {
  const { maxOutboxBytes, minFreeBytes } = limits;
  if (use.total + bytes > maxOutboxBytes) {
    throw new AppError(
      'AM_OUTBOX_FULL',
      `the outbox is full: ${formatBytes(use.total)} queued, relay.maxOutboxBytes is ${formatBytes(maxOutboxBytes)}; this message (${formatBytes(bytes)}) was not accepted. Queued mail is kept; it leaves once the mail server takes it (see appliance-mail status)`,
      { details: { queuedBytes: use.total, maxOutboxBytes, messageBytes: bytes } },
    );
  }
  if (minFreeBytes > 0 && use.free - bytes < minFreeBytes) {
    throw new AppError(
      'AM_OUTBOX_FULL',
      `the state filesystem is nearly full: ${formatBytes(use.free)} free under ${dir}, relay.minFreeBytes is ${formatBytes(minFreeBytes)}; this message (${formatBytes(bytes)}) was not accepted. Free space there; queued mail is kept`,
      { details: { freeBytes: use.free, minFreeBytes, messageBytes: bytes } },
    );
  }
  if (lane === 'priority') return;
  const limit = laneLimits(use, limits)[lane];
  if (use.byLane[lane] + bytes > limit) {
    const setting = `relay.shares.${SETTING[lane]}`;
    throw new AppError(
      'AM_OUTBOX_FULL',
      `the outbox's share for ${WHO[lane]} is full: ${formatBytes(use.byLane[lane])} queued from there, ${setting} allows ${Math.round(limits.shares[SETTING[lane]] * 100)} % of ${formatBytes(roomBytes(use, limits))} (${formatBytes(limit)}); this message (${formatBytes(bytes)}) was not accepted. The rest is kept for alerts; queued mail leaves once the mail server takes it`,
      { details: { lane, laneBytes: use.byLane[lane], laneLimitBytes: limit, messageBytes: bytes } },
    );
  }
}
