/**
 * What a submitter (Engine, Portal, CLI, the daemon's own notifications) may put in the outbox:
 * checked before it is stored, every problem named by its field.
 */
import { Buffer } from 'node:buffer';
import { splitRecipients } from '../util/address.js';
import { AppError } from '../errors/registry.js';
import type { LiveConfig } from '../config/live-config.js';
import type { EffectiveSettings } from '../config/effective.js';
import type { Delivery } from './delivery.js';
import type { RawContent } from './render.js';
import { MESSAGE_KINDS, type Caller, type MessageKind, type NewMessage, type Outbox } from './outbox.js';

/** A digest goes to its subscribers; more than this in one message is a mistake, not a list. */
const MAX_RECIPIENTS = 1000;
const MAX_SUBJECT_CHARS = 998; // RFC 5322 line length
const MAX_IDEMPOTENCY_KEY_CHARS = 200;

export interface Submission {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  kind: string;
  /** A message taken whole: its bytes are stored as they are; `subject` only lists it, `text` and `html` are ''. */
  raw?: RawContent;
  idempotencyKey: string;
  /** See NewMessage.idempotencyContent: what the same key must repeat (default: the message). */
  idempotencyContent?: string;
}

export function validateSubmission(input: Submission, maxMessageBytes: number): NewMessage {
  const problems: string[] = [];
  const { valid, invalid } = splitRecipients(input.to);
  for (const address of invalid) problems.push(`to: '${address.slice(0, 100)}' is not a valid email address`);
  if (valid.length === 0 && invalid.length === 0) problems.push('to: at least one recipient is required');
  if (valid.length > MAX_RECIPIENTS) problems.push(`to: ${valid.length} recipients, at most ${MAX_RECIPIENTS}`);
  if (/[\r\n]/.test(input.subject)) problems.push('subject: must not contain CR or LF (it would start a new header)');
  if (input.subject.length > MAX_SUBJECT_CHARS) problems.push(`subject: longer than ${MAX_SUBJECT_CHARS} characters`);
  if (input.subject.trim() === '') problems.push('subject: must not be empty');
  if (input.text === '' && input.html === '' && input.raw === undefined) problems.push('body: give a text or an HTML body (or both)');
  if (!(MESSAGE_KINDS as readonly string[]).includes(input.kind)) problems.push(`kind: must be one of ${MESSAGE_KINDS.join(', ')}`);
  if (input.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_CHARS || /[\r\n\0]/.test(input.idempotencyKey)) {
    problems.push(`idempotency_key: at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters, no CR/LF`);
  }
  if (/\0/.test(input.text) || /\0/.test(input.html)) problems.push('body: must not contain NUL characters');
  if (problems.length > 0) throw new AppError('AM_MESSAGE_INVALID', `message refused: ${problems.join('; ')}`, { details: { problems } });
  const size = input.raw ? input.raw.bytes.byteLength : Buffer.byteLength(input.subject) + Buffer.byteLength(input.text) + Buffer.byteLength(input.html);
  if (size > maxMessageBytes) {
    throw new AppError('AM_MESSAGE_TOO_LARGE', `message refused: ${size} bytes, more than relay.maxMessageBytes (${maxMessageBytes})`);
  }
  return {
    kind: input.kind as MessageKind,
    to: valid,
    subject: input.subject,
    text: input.text === '' ? null : input.text,
    html: input.html === '' ? null : input.html,
    ...(input.raw === undefined ? {} : { raw: input.raw }),
    idempotencyKey: input.idempotencyKey === '' ? null : input.idempotencyKey,
    ...(input.idempotencyContent === undefined ? {} : { idempotencyContent: input.idempotencyContent }),
  };
}

export interface Intake {
  /**
   * Validates, refuses when mail is off, stores durably, then wakes delivery. `caller` is the door
   * and who used it: idempotency keys are scoped to it, it decides the share of the outbox the
   * message may fill, and delivery takes turns between callers.
   */
  submit(submission: Submission, caller: Caller): Promise<{ id: string; duplicate: boolean }>;
}

/** The one door into the outbox for every submitter: control socket, notifications, digests. */
export function createIntake(deps: { config: LiveConfig; effective: EffectiveSettings; outbox: Outbox; delivery: Delivery }): Intake {
  const { config, effective, outbox, delivery } = deps;
  return {
    async submit(submission, caller) {
      const message = validateSubmission(submission, config.current().relay.maxMessageBytes);
      const current = effective.current();
      if (!current.mailServer.enabled) {
        throw new AppError('AM_MAIL_DISABLED', `no mail is accepted: the mail server is disabled (settings from ${current.source})`);
      }
      const { id, duplicate } = await outbox.enqueue(message, caller);
      if (!duplicate) delivery.wake();
      return { id, duplicate };
    },
  };
}
