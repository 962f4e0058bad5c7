/**
 * How much a submitter can make the daemon hold in memory. gRPC reads a whole request before the
 * handler sees it, so the bounds sit in front of the handlers: a request larger than the largest
 * message the relay accepts is refused from its length prefix, before it is read; and
 * submissions are read a bounded number at a time, the others waiting unread (HTTP/2 flow
 * control holds their bytes on the client's side) in a queue of bounded length.
 */
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../errors/registry.js';
import { toServiceError } from '../util/grpc-errors.js';

/**
 * What a request carries besides the subject and bodies that relay.maxMessageBytes bounds:
 * recipients (a digest may have 1,000 subscribers of up to 254 bytes), the digest's items and
 * names, keys, protobuf tags. 1 MiB is four times the largest of these.
 */
export const REQUEST_FRAMING_BYTES = 1024 * 1024;
/**
 * Requests being read or handled at once are bounded so that together they hold at most about
 * this much (each is counted at its largest allowed size).
 */
const SUBMISSIONS_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;
/** Whatever the message limit, a few submitters may go ahead at once, and not too many. */
const MIN_SUBMISSION_SLOTS = 4;
const MAX_SUBMISSION_SLOTS = 256;
/**
 * Submissions waiting for a slot, each holding at most one HTTP/2 window (64 KiB) of unread
 * bytes. Past this the daemon is overloaded and says so (AM_BUSY) rather than queue more.
 */
export const MAX_SUBMISSIONS_WAITING = 1_024;

const SUBMISSION_METHODS = new Set(['Submit', 'Notify', 'SubmitDigest'].map((name) => `/appliance_mail.control.v1.Control/${name}`));

/** The control socket's largest request: the largest message plus what travels with it. */
export function controlRequestLimitBytes(maxMessageBytes: number): number {
  return maxMessageBytes + REQUEST_FRAMING_BYTES;
}

/** How many submissions may be read and handled at once for a given request limit. */
export function submissionSlots(requestLimitBytes: number): number {
  const slots = Math.floor(SUBMISSIONS_MEMORY_BUDGET_BYTES / requestLimitBytes);
  return Math.min(MAX_SUBMISSION_SLOTS, Math.max(MIN_SUBMISSION_SLOTS, slots));
}

/**
 * A semaphore with a bounded FIFO queue. `acquire` returns null when the queue is full, else a
 * release function (safe to call twice, and before the slot was granted: it leaves the queue).
 */
function createSlots(size: number, maxWaiting: number) {
  let active = 0;
  const queue = new Set<() => void>();
  return {
    acquire(onGranted: () => void): (() => void) | null {
      let state: 'waiting' | 'active' | 'done' = 'waiting';
      const grant = () => {
        state = 'active';
        active += 1;
        onGranted();
      };
      const release = () => {
        if (state === 'waiting') queue.delete(grant);
        if (state === 'active') {
          active -= 1;
          const next = queue.values().next();
          if (!next.done) {
            queue.delete(next.value);
            next.value();
          }
        }
        state = 'done';
      };
      if (active < size) grant();
      else if (queue.size >= maxWaiting) return null;
      else queue.add(grant);
      return release;
    },
  };
}

/**
 * A server interceptor for the control socket: a submission's request is read only once it has
 * a slot; while it waits its stream stays paused.
 */
export function submissionGate(slots: number, maxWaiting = MAX_SUBMISSIONS_WAITING): grpc.ServerInterceptor {
  const gate = createSlots(slots, maxWaiting);
  return (method, call) => {
    if (!SUBMISSION_METHODS.has(method.path)) return new grpc.ServerInterceptingCall(call);
    let release: (() => void) | null = null;
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, passOn) {
            // The handler starts reading the request when it gets the metadata: hold it back.
            release = gate.acquire(() => passOn(metadata));
            if (release === null) {
              call.sendStatus(
                toServiceError(
                  new AppError('AM_BUSY', `too many submissions in progress (${slots} at once, ${maxWaiting} waiting); retry shortly`),
                ) as grpc.StatusObject,
              );
            }
          },
          onCancel() {
            release?.();
          },
        });
      },
      sendStatus(status, next) {
        release?.();
        next(status);
      },
    });
  };
}
