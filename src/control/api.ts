/**
 * What the control socket offers, in domain terms: each call handed to the part that owns it.
 * The gRPC mapping lives in service.ts; the rules live with their concerns.
 */
import { AppError } from '../errors/registry.js';
import type { FederationPrimary, NodeView } from '../federation/primary.js';
import type { FederationSecondary } from '../federation/secondary.js';
import type { Notifier, NotifyRequest, Queued } from '../notify/notifier.js';
import type { Delivery } from '../relay/delivery.js';
import type { Intake, Submission } from '../relay/intake.js';
import type { Entry, Outbox } from '../relay/outbox.js';
import type { RawIntake, RawSubmission } from '../submission/raw-intake.js';
import { testEffectiveSettings, type TestStep } from '../relay/test-email.js';
import { buildStatus, type DaemonStatus, type StatusSources } from './status.js';

export interface ControlApi {
  status(): Promise<DaemonStatus>;
  createToken(ttlSeconds: number): Promise<{ token: string; expiresAt: string; certSha256: string }>;
  listNodes(): Promise<{ settingsVersion: number; nodes: NodeView[] }>;
  removeNode(name: string): Promise<void>;
  join(primary: string, token: string, centralize: boolean): Promise<{ primary: string; mode: string }>;
  setMode(mode: string): Promise<string>;
  leave(): Promise<string>;
  submit(submission: Submission): Promise<Queued>;
  /** A whole RFC 5322 message (the sendmail command); the ids of its copies. */
  submitRaw(submission: RawSubmission): Promise<string[]>;
  notify(request: NotifyRequest): Promise<Queued>;
  submitDigest(input: unknown, idempotencyKey: string): Promise<Queued>;
  /** Oldest first. */
  listOutbox(): Promise<Entry[]>;
  retryOutbox(ids: string[], allDead: boolean): Promise<number>;
  dropOutbox(id: string): Promise<void>;
  /** Streams the steps through `onStep`; resolves when the test is over. */
  testEmail(to: string[], onStep: (step: TestStep) => void): Promise<void>;
}

export interface ControlParts extends StatusSources {
  outbox: Outbox;
  delivery: Delivery;
  intake: Intake;
  rawIntake: RawIntake;
  notifier: Notifier;
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
    listNodes: async () => needPrimary().listNodes(),
    removeNode: (name) => needPrimary().removeNode(name),
    join: (primary, token, centralize) => needSecondary().join(primary, token, centralize),
    async setMode(mode) {
      if (mode !== 'centralized' && mode !== 'local') throw new AppError('AM_INVALID_ARGUMENT', `mode must be centralized or local, not '${mode}'`);
      await needSecondary().setMode(mode);
      return mode;
    },
    leave: () => needSecondary().leave(),
    submit: (submission) => parts.intake.submit(submission),
    submitRaw: (submission) => parts.rawIntake.submit(submission),
    notify: (request) => parts.notifier.notify(request),
    submitDigest: (input, idempotencyKey) => parts.notifier.digest(input, idempotencyKey),
    listOutbox: async () => parts.outbox.list().sort((a, b) => a.message.createdAt - b.message.createdAt),
    async retryOutbox(ids, allDead) {
      if (!allDead && ids.length === 0) throw new AppError('AM_INVALID_ARGUMENT', 'give message ids or --all-dead');
      const count = await parts.outbox.requeue(allDead ? 'all-dead' : ids);
      parts.delivery.wake();
      return count;
    },
    dropOutbox: (id) => parts.outbox.drop(id),
    async testEmail(to, onStep) {
      await testEffectiveSettings(parts, to, onStep);
    },
  };
}
