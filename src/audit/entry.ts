/** What one line of the audit trail holds. */
import type { FieldChange } from './diff.js';

/** What happened, for filters and the metric's `kind` label. */
export const AUDIT_KINDS = ['settings', 'settings-refused', 'revert', 'federation', 'token', 'node', 'console-account', 'console-login', 'outbox', 'oauth2'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Through which door the change came: `primary` on a secondary, `secondary` on a primary (a join, a NACK). */
export type AuditDoor = 'console' | 'admin-socket' | 'config-file' | 'primary' | 'secondary' | 'daemon';

/** Who acted: words for people ("console user alice", "primary p1, version 7") and the door. */
export interface Actor {
  name: string;
  door: AuditDoor;
  /** The console client's address. */
  address?: string;
}

export interface AuditEntry {
  /** Increases by one per entry, across rotations and restarts. */
  id: number;
  at: string;
  kind: AuditKind;
  actor: string;
  door: AuditDoor;
  address?: string;
  summary: string;
  /** The config file's version (or "primary vN") in force after the change, when it is one. */
  version?: string;
  /** A kept configuration exists for `version`: the entry can be reverted to. */
  kept?: boolean;
  changes?: FieldChange[];
  /** Why a change was refused. */
  reason?: string;
  /** For a revert: the entry whose configuration was written back. */
  revertOf?: number;
}

/** An entry before the trail numbers and dates it. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at' | 'actor' | 'door' | 'address'> & { actor?: Actor };

/** The daemon acting on its own (a rotated OAuth2 refresh token). */
export const DAEMON_ACTOR: Actor = { name: 'the daemon itself', door: 'daemon' };
/** A change of the config file that no writer of this daemon announced. */
export const FILE_ACTOR: Actor = { name: 'config file edited on disk', door: 'config-file' };
