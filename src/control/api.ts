/**
 * What the control socket offers, in domain terms: each call handed to the part that owns it.
 * The gRPC mapping lives in service.ts; the rules live with their concerns.
 */
import type { Audit, HistoryFilter } from '../audit/audit.js';
import type { Actor, AuditEntry, AuditKind } from '../audit/entry.js';
import type { PublishedDiff } from '../audit/published-versions.js';
import type { Reverter, RevertPlan, RevertResult } from '../audit/revert.js';
import { parseMailServer } from '../util/address.js';
import type { ConsoleUsers } from '../state/console-users.js';
import { AppError } from '../errors/registry.js';
import type { FederationPrimary, NodeView } from '../federation/primary.js';
import type { FederationSecondary } from '../federation/secondary.js';
import type { TokenView } from '../federation/tokens.js';
import type { Notifier, NotifyRequest, Queued } from '../notify/notifier.js';
import type { OAuth2Tokens } from '../oauth2/token-source.js';
import type { Intake, Submission } from '../relay/intake.js';
import type { Caller } from '../relay/outbox.js';
import type { OutboxAdmin, OutboxListing } from '../relay/outbox-admin.js';
import { sendTestEmail, testEffectiveSettings, type TestStep } from '../relay/test-email.js';
import { formatIssues, mailServerSettingsSchema, parseFederationMode, type MailServerSettings } from '../settings/schema.js';
import type { RawIntake, RawSubmission } from '../submission/raw-intake.js';
import { buildStatus, type DaemonStatus, type StatusSources } from './status.js';

export interface ControlApi {
  status(): Promise<DaemonStatus>;
  /** `joinAddress` is what secondaries dial; joinCommand() (federation/join-command.ts) makes the command to paste. */
  createToken(ttlSeconds: number): Promise<{ token: string; expiresAt: string; certSha256: string; joinAddress: string }>;
  listTokens(): Promise<TokenView[]>;
  /** By id or whole token; returns the id deleted. */
  deleteToken(idOrToken: string): Promise<string>;
  listNodes(): Promise<{ settingsVersion: number; nodes: NodeView[] }>;
  removeNode(name: string): Promise<void>;
  join(primary: string, token: string, centralize: boolean): Promise<{ primary: string; mode: string }>;
  setMode(mode: string): Promise<string>;
  leave(): Promise<string>;
  submit(submission: Submission, caller: Caller): Promise<Queued>;
  /** A whole RFC 5322 message (the sendmail command); the ids of its copies. */
  submitRaw(submission: RawSubmission, caller: Caller): Promise<string[]>;
  notify(request: NotifyRequest, caller: Caller): Promise<Queued>;
  submitDigest(input: unknown, idempotencyKey: string, caller: Caller): Promise<Queued>;
  /** Oldest first. */
  listOutbox(): Promise<OutboxListing[]>;
  retryOutbox(ids: string[], allDead: boolean): Promise<number>;
  dropOutbox(ids: string[], allDead: boolean): Promise<number>;
  flushOutbox(): Promise<number>;
  /** Streams the steps through `onStep`; resolves when the test is over. */
  testEmail(to: string[], onStep: (step: TestStep) => void): Promise<void>;
  /**
   * The same with settings that are not saved: the Web Console's form (already validated as a
   * whole config) or the values given to `test-email --server`. Empty `to`: the effective recipients.
   */
  testMailServer(settings: MailServerSettings | GivenMailServer, to: readonly string[], onStep: (step: TestStep) => void): Promise<void>;
  /** The Web Console's accounts; true when NAME was created. */
  setConsolePassword(name: string, password: string): Promise<boolean>;
  /** Removes a Web Console account (AM_CONSOLE_USER_UNKNOWN when absent). */
  removeConsoleUser(name: string): Promise<void>;
  /** The audit trail, newest first. */
  history(filter: HistoryFilter): Promise<AuditEntry[]>;
  /** One entry and what a revert to it would change, or why it cannot be. */
  historyEntry(id: number): Promise<RevertPlan>;
  /** On a primary: what differs between settings version `from` (a secondary runs it) and the one it publishes now. */
  publishedDiff(from: number): Promise<PublishedDiff>;
  /** `expectedDigest`: the plan's fileDigest (empty: the file as it is now). */
  revert(id: number, expectedDigest: string): Promise<RevertResult>;
}

/** Mail server values as an operator types them, before any check. */
export interface GivenMailServer {
  server: string;
  sender: string;
  username: string;
  password: string;
  tls: boolean;
}

export interface ControlParts extends StatusSources {
  tokens: OAuth2Tokens;
  outboxAdmin: OutboxAdmin;
  intake: Intake;
  rawIntake: RawIntake;
  notifier: Notifier;
  consoleUsers: ConsoleUsers;
  audit: Audit;
  reverter: Reverter;
}

/**
 * The API as one actor uses it: the doors make one per request (the administrators' socket, a
 * signed-in console request) and its changes are recorded in the audit trail under that actor.
 * Passed, not carried by AsyncLocalStorage: on Node 20 that puts a hook on every promise the
 * daemon makes from the first administrator's call on, relaying included
 * (docs/explanation/performance.md).
 */
export function createControlApi(parts: ControlParts, actor: Actor): ControlApi {
  const needPrimary = (): FederationPrimary => {
    if (parts.primary) return parts.primary;
    throw new AppError('AM_NOT_PRIMARY', 'this node does not serve secondaries: run this on the primary (node.role "primary" with federation.listen set)');
  };
  const needSecondary = (): FederationSecondary => {
    if (parts.secondary) return parts.secondary;
    throw new AppError('AM_NOT_SECONDARY', 'this node is a primary (node.role); only a secondary joins a primary or changes mode');
  };
  /** An administrator's change, written to the audit trail (for whoever acts) before it is reported done. */
  async function audited<T>(kind: AuditKind, run: () => Promise<T>, summary: (result: T) => string): Promise<T> {
    const result = await run();
    await parts.audit.record({ kind, summary: summary(result), actor });
    return result;
  }
  return {
    status: () => buildStatus(parts),
    createToken: (ttlSeconds) => audited('token', () => needPrimary().createToken(ttlSeconds), (t) => `join token created, valid until ${t.expiresAt}`),
    listTokens: async () => needPrimary().listTokens(),
    deleteToken: (idOrToken) => audited('token', () => needPrimary().deleteToken(idOrToken), (id) => `join token ${id} deleted`),
    listNodes: async () => needPrimary().listNodes(),
    removeNode: (name) => audited('node', () => needPrimary().removeNode(name), () => `node ${name} removed`),
    join: (primary, token, centralize) => audited('federation', () => needSecondary().join(primary, token, centralize), (j) => `joined primary ${j.primary} (${j.mode})`),
    setMode: (mode) =>
      audited(
        'federation',
        async () => {
          const parsed = parseFederationMode(mode);
          await needSecondary().setMode(parsed);
          return parsed;
        },
        (parsed) => `federation mode set to ${parsed}`,
      ),
    leave: () => audited('federation', () => needSecondary().leave(), (primary) => `left primary ${primary}`),
    submit: (submission, caller) => parts.intake.submit(submission, caller),
    submitRaw: (submission, caller) => parts.rawIntake.submit(submission, caller),
    notify: (request, caller) => parts.notifier.notify(request, caller),
    submitDigest: (input, idempotencyKey, caller) => parts.notifier.digest(input, idempotencyKey, caller),
    listOutbox: async () => parts.outboxAdmin.list(),
    retryOutbox: (ids, allDead) => audited('outbox', () => parts.outboxAdmin.retry(ids, allDead), (n) => `outbox retry of ${which(ids, allDead)}: ${n} requeued`),
    dropOutbox: (ids, allDead) => audited('outbox', () => parts.outboxAdmin.drop(ids, allDead), (n) => `outbox drop of ${which(ids, allDead)}: ${n} dropped`),
    flushOutbox: () => audited('outbox', async () => parts.outboxAdmin.flush(), (n) => `outbox flush: ${n} deferred made due`),
    async testEmail(to, onStep) {
      await testEffectiveSettings(parts, to, onStep);
    },
    async testMailServer(settings, to, onStep) {
      const resolved = 'host' in settings ? settings : givenSettings(settings, parts.config.current().mailServer.caPem);
      const recipients = to.length > 0 ? to : parts.effective.current().recipients;
      await sendTestEmail({ settings: resolved, to: recipients, nodeName: parts.config.current().node.name, heloName: parts.config.current().heloName, source: 'the values given (not saved)', tokens: parts.tokens }, onStep);
    },
    setConsolePassword: (name, password) =>
      audited('console-account', () => parts.consoleUsers.setPassword(name, password), (created) => (created ? `console account ${name} created` : `console account ${name}: password changed`)),
    removeConsoleUser: (name) => audited('console-account', () => parts.consoleUsers.remove(name), () => `console account ${name} removed`),
    history: (filter) => parts.audit.history(filter),
    historyEntry: (id) => parts.reverter.plan(id),
    publishedDiff: (from) => parts.audit.publishedDiff(from, needPrimary().status().settingsVersion),
    revert: (id, expectedDigest) => parts.reverter.revert(id, expectedDigest, actor),
  };
}

/** The messages an outbox action names, in a line: "all dead letters", "3 message(s): a, b, c". */
function which(ids: readonly string[], allDead: boolean): string {
  const named = ids.length > 0 ? `${ids.length} message(s): ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}` : '';
  return [allDead ? 'all dead letters' : '', named].filter(Boolean).join(' and ') || 'no message';
}

/** Checks given values with the one mail-settings schema; the config file's private CA still applies. */
function givenSettings(given: GivenMailServer, caPem: string | null): MailServerSettings {
  const server = parseMailServer(given.server);
  if ('error' in server) throw new AppError('AM_INVALID_ARGUMENT', `--server: ${server.error}`);
  const result = mailServerSettingsSchema.safeParse({
    enabled: true,
    host: server.host,
    port: server.port,
    sender: given.sender,
    username: given.username === '' ? null : given.username,
    password: given.password === '' ? null : given.password,
    tls: given.tls,
    allowPlaintextAuth: false,
    caPem,
  });
  if (!result.success) {
    throw new AppError('AM_INVALID_ARGUMENT', formatIssues(result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))));
  }
  return result.data;
}
