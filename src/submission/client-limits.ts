/**
 * Limits per client on the submission port, as Postfix's anvil counts them: connections,
 * messages and bytes per minute per source address, and connections at once. Pure apart from the
 * clock it is given (unit-tested with a fake one). A refusal is a sentence naming the limit and
 * its setting; the port turns it into a 4xx reply (the client keeps its mail and retries).
 */
import type { SubmissionLimits } from '../config/load.js';

/** anvil's time unit: every per-minute count starts again after this. */
export const WINDOW_MS = 60_000;
/** Past this many known clients, those idle for a whole window are forgotten (bounded memory). */
const SWEEP_AT_CLIENTS = 1_000;

export type LimitName = keyof SubmissionLimits;

export interface Refusal {
  limit: LimitName;
  /** Words for the client and the log: which limit, its value, what to do. */
  text: string;
}

export interface ClientLimits {
  /** A new connection; a refusal, or a release to call when it closes. */
  connect(client: string): Refusal | { release: () => void };
  /** A new message (MAIL FROM). */
  message(client: string): Refusal | null;
  /** A message of `bytes` has arrived whole: counted, or refused when it would pass the byte limit. */
  bytes(client: string, bytes: number): Refusal | null;
}

interface Counts {
  windowStart: number;
  connections: number;
  messages: number;
  bytes: number;
  open: number;
}

const WORDS: Readonly<Record<LimitName, string>> = {
  connectionsPerMinute: 'connections a minute',
  messagesPerMinute: 'messages a minute',
  bytesPerMinute: 'bytes a minute',
  concurrentConnections: 'connections at once',
};

export function createClientLimits(limits: () => SubmissionLimits, now: () => number = Date.now): ClientLimits {
  const clients = new Map<string, Counts>();

  function countsOf(client: string): Counts {
    const at = now();
    let counts = clients.get(client);
    if (!counts) {
      if (clients.size >= SWEEP_AT_CLIENTS) sweep(at);
      counts = { windowStart: at, connections: 0, messages: 0, bytes: 0, open: 0 };
      clients.set(client, counts);
    }
    if (at - counts.windowStart >= WINDOW_MS) Object.assign(counts, { windowStart: at, connections: 0, messages: 0, bytes: 0 });
    return counts;
  }

  function sweep(at: number): void {
    for (const [client, counts] of clients) if (counts.open === 0 && at - counts.windowStart >= WINDOW_MS) clients.delete(client);
  }

  function refusal(client: string, limit: LimitName): Refusal {
    const value = limits()[limit];
    return { limit, text: `too many ${WORDS[limit]} from ${client}: submission.limits.${limit} is ${value}; try again later` };
  }

  return {
    connect(client) {
      const counts = countsOf(client);
      const set = limits();
      if (counts.open >= set.concurrentConnections) return refusal(client, 'concurrentConnections');
      if (counts.connections >= set.connectionsPerMinute) return refusal(client, 'connectionsPerMinute');
      counts.connections++;
      counts.open++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          counts.open--;
        },
      };
    },
    message(client) {
      const counts = countsOf(client);
      const set = limits();
      if (counts.messages >= set.messagesPerMinute) return refusal(client, 'messagesPerMinute');
      if (counts.bytes >= set.bytesPerMinute) return refusal(client, 'bytesPerMinute');
      counts.messages++;
      return null;
    },
    bytes(client, bytes) {
      const counts = countsOf(client);
      // The first message of a window passes whatever its size (relay.maxMessageBytes bounds it).
      if (counts.bytes > 0 && counts.bytes + bytes > limits().bytesPerMinute) {
        // Counted all the same: the bytes crossed the wire, and a client that keeps sending them is refused at MAIL FROM.
        counts.bytes += bytes;
        return refusal(client, 'bytesPerMinute');
      }
      counts.bytes += bytes;
      return null;
    },
  };
}

/** A warning per client and limit at most once a window: the log must not become a second flood. */
export function createWarnOnce(now: () => number = Date.now): (client: string, limit: LimitName) => boolean {
  const last = new Map<string, number>();
  return (client, limit) => {
    const key = `${client} ${limit}`;
    const at = now();
    const before = last.get(key);
    if (before !== undefined && at - before < WINDOW_MS) return false;
    if (last.size >= SWEEP_AT_CLIENTS) for (const [k, t] of last) if (at - t >= WINDOW_MS) last.delete(k);
    last.set(key, at);
    return true;
  };
}
