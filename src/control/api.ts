/**
 * What the control socket offers, in domain terms: each call handed to the part that owns it.
 * The gRPC mapping lives in service.ts; the rules live with their concerns.
 */
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
}

export function createControlApi(parts: ControlParts): ControlApi {
  const needPrimary = (): FederationPrimary => {
    if (parts.primary) return parts.primary;
    throw new AppError('AM_NOT_PRIMARY', 'this node does not serve secondaries: run this on the primary (node.role "primary" with federation.listen set)');
  };
  const needSecondary = (): FederationSecondary => {
    if (parts.secondary) return parts.secondary;
    throw new AppError('AM_NOT_SECONDARY', 'this node is a primary (node.role); only a secondary joins a primary or changes mode');
  };
  return {
    status: () => buildStatus(parts),
    createToken: (ttlSeconds) => needPrimary().createToken(ttlSeconds),
    listTokens: async () => needPrimary().listTokens(),
    deleteToken: (idOrToken) => needPrimary().deleteToken(idOrToken),
    listNodes: async () => needPrimary().listNodes(),
    removeNode: (name) => needPrimary().removeNode(name),
    join: (primary, token, centralize) => needSecondary().join(primary, token, centralize),
    async setMode(mode) {
      const parsed = parseFederationMode(mode);
      await needSecondary().setMode(parsed);
      return parsed;
    },
    leave: () => needSecondary().leave(),
    submit: (submission, caller) => parts.intake.submit(submission, caller),
    submitRaw: (submission, caller) => parts.rawIntake.submit(submission, caller),
    notify: (request, caller) => parts.notifier.notify(request, caller),
    submitDigest: (input, idempotencyKey, caller) => parts.notifier.digest(input, idempotencyKey, caller),
    listOutbox: async () => parts.outboxAdmin.list(),
    retryOutbox: (ids, allDead) => parts.outboxAdmin.retry(ids, allDead),
    dropOutbox: (ids, allDead) => parts.outboxAdmin.drop(ids, allDead),
    flushOutbox: async () => parts.outboxAdmin.flush(),
    async testEmail(to, onStep) {
      await testEffectiveSettings(parts, to, onStep);
    },
    async testMailServer(settings, to, onStep) {
      const resolved = 'host' in settings ? settings : givenSettings(settings, parts.config.current().mailServer.caPem);
      const recipients = to.length > 0 ? to : parts.effective.current().recipients;
      await sendTestEmail({ settings: resolved, to: recipients, nodeName: parts.config.current().node.name, heloName: parts.config.current().heloName, source: 'the values given (not saved)', tokens: parts.tokens }, onStep);
    },
    setConsolePassword: (name, password) => parts.consoleUsers.setPassword(name, password),
    removeConsoleUser: (name) => parts.consoleUsers.remove(name),
  };
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
