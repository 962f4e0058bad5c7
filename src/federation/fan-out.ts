/**
 * The primary's node streams (a Watch or a Session call), one per connected node, and the fan-out
 * of a version onto them.
 * The hot path (`publish`) does per stream only what the stream needs: a decision from the rules
 * (node-records.ts), one write of the version's bytes (encoded once, in version-sync.ts) and a
 * field set on the node's record in memory (written with its Report); one log line for the whole
 * fan-out.
 */
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import type { FederationMode } from '../settings/schema.js';
import type { VersionReport } from '../state/schema.js';
import type { NodeRecordWriter } from './node-record-writer.js';
import { withheldReason, type Withheld } from './node-records.js';
import type { VersionSync } from './version-sync.js';

/**
 * A node's stream as the fan-out uses it, a Watch call or a Session call: it takes encoded
 * SettingsUpdate bytes (proto.ts), and ends with an error when the node is removed.
 */
export interface NodeCall {
  write(encoded: Buffer, written?: () => void): boolean;
  end(): void;
  emit(event: 'error', err: Partial<grpc.ServiceError>): boolean;
}

export interface WatchStream {
  readonly call: NodeCall;
  readonly mode: FederationMode;
  /** What the node said it applied last (its opening WatchRequest, then its reports). */
  lastApplied: number;
}

export interface FanOut {
  /** Takes over the node's stream (ending an older one); sends the current version if needed. */
  attach(name: string, stream: WatchStream): Withheld | null;
  /** Forgets the stream if it is still the node's; true when it was. */
  detach(name: string, stream: WatchStream): boolean;
  get(name: string): WatchStream | undefined;
  readonly size: number;
  /** Writes the current version to every stream that needs it. */
  publish(): void;
  /** Ends every stream (the primary stops). */
  endAll(): void;
}

export function createFanOut(deps: { versions: VersionSync; records: NodeRecordWriter; log: Logger }): FanOut {
  const { versions, records, log } = deps;
  const streams = new Map<string, WatchStream>();

  /** Sends the current version unless the rules withhold it; `received` is shared by a fan-out. */
  function sendIfNeeded(name: string, stream: WatchStream, received: VersionReport, written?: () => void): Withheld | null {
    const record = records.get(name);
    const withheld = withheldReason(stream, received.version, record);
    if (withheld !== null) return withheld;
    stream.call.write(versions.encoded(), written);
    // Written with the node's next record change (its Report, moments later), not on its own: a
    // send lost to a crash is sent again at the node's next session.
    records.note(name, (n) => {
      n.received = received;
    });
    return null;
  }

  /** The record of a send: one object for every stream of a fan-out (records only replace it). */
  const receivedNow = (): VersionReport => ({ version: versions.version(), at: new Date().toISOString(), error: null });

  return {
    attach(name, stream) {
      streams.get(name)?.call.end();
      streams.set(name, stream);
      return sendIfNeeded(name, stream, receivedNow());
    },
    detach(name, stream) {
      if (streams.get(name) !== stream) return false;
      streams.delete(name);
      return true;
    },
    get: (name) => streams.get(name),
    get size() {
      return streams.size;
    },
    publish() {
      const received = receivedNow();
      const startedMs = performance.now();
      // Counts the writes not yet handed to HTTP/2; one line once all of them are.
      let pending = 1;
      let sent = 0;
      const written = () => {
        pending -= 1;
        if (pending === 0) log.info({ version: received.version, streams: sent, ms: Math.round(performance.now() - startedMs) }, 'new version written to every stream');
      };
      for (const [name, stream] of streams) {
        pending += 1;
        if (sendIfNeeded(name, stream, received, written) === null) sent += 1;
        else pending -= 1;
      }
      written();
    },
    endAll() {
      for (const stream of streams.values()) stream.call.end();
      streams.clear();
    },
  };
}
