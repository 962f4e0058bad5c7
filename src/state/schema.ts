/**
 * The shape of state.json. Checked on every read: a state file that does not match is corrupt,
 * and the daemon stops rather than act on it.
 */
import { z } from 'zod';
import { federatedSettingsSchema, federationModeSchema } from '../settings/schema.js';

const reportSchema = z.object({ version: z.number().int(), at: z.string(), error: z.string().nullable() });
export type VersionReport = z.infer<typeof reportSchema>;

const nodeRecordSchema = z.object({
  name: z.string(),
  credentialHash: z.string(),
  mode: federationModeSchema,
  joinedAt: z.string(),
  lastSeen: z.string().nullable(),
  /** The last version sent, the last one applied or refused, and the last verification. */
  received: reportSchema.nullable(),
  applied: reportSchema.nullable(),
  verified: reportSchema.nullable(),
});
export type NodeRecord = z.infer<typeof nodeRecordSchema>;

/** One node's record as read back from the primary's node log (nodes.jsonl), or what is wrong with it. */
export function parseNodeRecord(json: unknown): { record: NodeRecord } | { problem: string } {
  const result = nodeRecordSchema.safeParse(json);
  if (result.success) return { record: result.data };
  return { problem: result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ') };
}

const tokenRecordSchema = z.object({
  id: z.string(),
  secretHash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable(),
  usedBy: z.string().nullable(),
});
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

const primaryStateSchema = z.object({
  /** Only goes up; survives restarts. */
  settingsVersion: z.number().int().nonnegative(),
  settingsDigest: z.string().nullable(),
  tokens: z.array(tokenRecordSchema),
  /**
   * Where node records were kept before they moved to their own log (nodes.jsonl, written a
   * record at a time): read once at start to move them there, then empty.
   */
  nodes: z.record(z.string(), nodeRecordSchema).default({}),
});
export type PrimaryState = z.infer<typeof primaryStateSchema>;

const membershipSchema = z.object({
  primary: z.string(),
  name: z.string(),
  credential: z.string(),
  primaryCertPem: z.string(),
  mode: federationModeSchema,
  joinedAt: z.string(),
});
export type Membership = z.infer<typeof membershipSchema>;

const centralizedSchema = z.object({
  version: z.number().int().nonnegative(),
  settings: federatedSettingsSchema,
  appliedAt: z.string(),
});
export type CentralizedSettings = z.infer<typeof centralizedSchema>;

/**
 * The current refresh token of the OAuth2 refresh_token grant: the provider rotates it on use, so
 * the one in the config file is only the first. `key` names the grant it belongs to (a digest of
 * the token URL, client id and the configured refresh token): a new token in the config (a new
 * consent) starts afresh instead of being overridden by an old successor.
 */
const oauth2RefreshSchema = z.object({ key: z.string(), refreshToken: z.string(), rotatedAt: z.string() });
export type OAuth2RefreshRecord = z.infer<typeof oauth2RefreshSchema>;
/**
 * Successors kept per grant, most recently rotated first: a test of values not saved (the
 * console's mail-server test) rotates a grant of its own, and its successor must not take the
 * place of the one in force (until 2026-12-04 there was one place, `oauth2Refresh`).
 */
export const MAX_OAUTH2_REFRESH_RECORDS = 16;

const stateSchema = z.object({
  schema: z.literal(1),
  primary: primaryStateSchema.nullable(),
  membership: membershipSchema.nullable(),
  centralized: centralizedSchema.nullable(),
  /** The most recent successor of any grant; what daemons before 2026-12-04 read (a downgrade). */
  oauth2Refresh: oauth2RefreshSchema.nullable().default(null),
  oauth2Refreshes: z.array(oauth2RefreshSchema).max(MAX_OAUTH2_REFRESH_RECORDS).default([]),
});
export type State = z.infer<typeof stateSchema>;

export function emptyState(): State {
  return { schema: 1, primary: null, membership: null, centralized: null, oauth2Refresh: null, oauth2Refreshes: [] };
}

/** The state when `json` is a valid one, else what is wrong with it, naming the field. */
export function parseState(json: unknown): { state: State } | { problem: string } {
  const result = stateSchema.safeParse(json);
  if (result.success) return { state: result.data };
  return { problem: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ') };
}
