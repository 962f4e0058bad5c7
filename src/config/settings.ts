/**
 * The mail settings type now lives with its one schema in src/settings/; this name stays for the
 * relay's imports until they point there.
 */
export type { MailServerSettings } from '../settings/schema.js';
