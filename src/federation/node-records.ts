/**
 * The primary's rules over what it knows of each node, as pure functions: whether a stream needs
 * the current version, and how a Watch or a Report changes the node's record.
 */
import type { FederationMode } from '../settings/schema.js';
import type { NodeRecord } from '../state/schema.js';

export const REPORT_STAGES = ['applied', 'rejected', 'verified', 'verify_failed'] as const;
export type ReportStage = (typeof REPORT_STAGES)[number];

export function isReportStage(value: string): value is ReportStage {
  return (REPORT_STAGES as readonly string[]).includes(value);
}

/** Why a stream is not sent the current version; null: it is sent. */
export type Withheld = 'local mode' | 'already applied' | 'refused';

/**
 * A centralized stream gets the current version unless it has it, or refused exactly this
 * version: a refused version is held, not resent in a loop; the next change brings a new one.
 * On the fan-out's hot path: decides, builds nothing.
 */
export function withheldReason(stream: { mode: FederationMode; lastApplied: number }, version: number, record: NodeRecord | undefined): Withheld | null {
  if (stream.mode !== 'centralized') return 'local mode';
  if (stream.lastApplied >= version) return 'already applied';
  if (record?.applied?.version === version && record.applied.error !== null) return 'refused';
  return null;
}

/** What a Watch was sent, in words (the primary's "secondary connected" line). */
export function describeSend(withheld: Withheld | null, version: number): string {
  if (withheld === null) return `v${version}`;
  if (withheld === 'local mode') return 'none: local mode';
  return withheld === 'refused' ? `none: v${version} was refused` : `none: v${version} already applied`;
}

/** A refusal a node states again when its stream opens (WatchRequest.refused_version). */
export interface StatedRefusal {
  version: number;
  error: string;
}

/**
 * A Watch or Session opened: the node's mode and when it was seen; its resume point says what it
 * applied, and a refusal it states what it refused since. Reports lost while the node was cut off
 * (or to a crash of the primary) are so not lost for good. True when the refusal is news to the
 * record (for the audit trail, which heard of it only if its report arrived).
 */
export function recordWatch(node: NodeRecord, mode: FederationMode, lastApplied: number, at: string, refused: StatedRefusal | null = null): boolean {
  node.mode = mode;
  node.lastSeen = at;
  if (mode !== 'centralized') return false;
  if (lastApplied > (node.applied?.version ?? 0)) node.applied = { version: lastApplied, at, error: null };
  const known = node.applied;
  // Newer than what it applied, and not older than, or the same as, what the record holds.
  if (refused === null || refused.version <= lastApplied || (known && (refused.version < known.version || (refused.version === known.version && known.error !== null)))) return false;
  node.applied = { version: refused.version, at, error: refused.error };
  return true;
}

/** A Report: ACK/NACK go to `applied`, the check against the mail server to `verified`. */
export function recordReport(node: NodeRecord, stage: ReportStage, version: number, error: string | null, at: string): void {
  node.lastSeen = at;
  if (stage === 'applied' || stage === 'rejected') {
    node.applied = { version, at, error: stage === 'rejected' ? (error ?? 'rejected') : null };
  } else {
    node.verified = { version, at, error: stage === 'verify_failed' ? (error ?? 'failed') : null };
  }
}
