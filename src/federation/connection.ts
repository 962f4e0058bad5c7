/**
 * What a secondary knows of its stream to the primary, driven by the stream's own events: the
 * first stream is opened (connecting), the primary's response headers arrive (connected: the
 * primary sends them at once for every stream, local or centralized), a message arrives, the call
 * ends (disconnected, with the reason). The clock is a parameter so the rules can be tested.
 */

export interface ConnectionView {
  /** `not joined`, `connecting`, `connected`, or `disconnected: REASON`. */
  connection: string;
  /** ISO time the primary was last heard from; '' when never. */
  lastHeard: string;
}

export interface ConnectionState {
  notJoined(): void;
  connecting(): void;
  /** The primary answered the Watch (its response headers) or sent a message. */
  heard(): void;
  ended(reason: string): void;
  connected(): boolean;
  view(): ConnectionView;
}

export function createConnectionState(now: () => number = Date.now): ConnectionState {
  let phase: 'not joined' | 'connecting' | 'connected' | 'disconnected' = 'not joined';
  let reason = '';
  let lastHeardMs: number | null = null;
  return {
    notJoined() {
      phase = 'not joined';
    },
    connecting() {
      // A retry after a failure keeps saying why the last attempt failed until one succeeds:
      // that is what an operator needs, not a 'connecting' that flickers between attempts.
      if (phase !== 'disconnected') phase = 'connecting';
    },
    heard() {
      phase = 'connected';
      lastHeardMs = now();
    },
    ended(why) {
      // The stream was alive until it ended (a partition is noticed within the keepalive's 15 s).
      if (phase === 'connected') lastHeardMs = now();
      phase = 'disconnected';
      reason = why;
    },
    connected: () => phase === 'connected',
    view() {
      // While the stream is up, the channel's keepalive pings the primary every 10 s and ends the
      // stream when a ping is not answered within 5 s (SECONDARY_CHANNEL_OPTIONS in
      // secondary-channel.ts): an open stream means the primary is being heard now, give or take
      // those 15 s.
      const heardMs = phase === 'connected' ? now() : lastHeardMs;
      return {
        connection: phase === 'disconnected' ? `disconnected: ${reason}` : phase,
        lastHeard: heardMs === null ? '' : new Date(heardMs).toISOString(),
      };
    },
  };
}
