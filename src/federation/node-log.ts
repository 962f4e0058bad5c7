/**
 * Where the primary keeps its node records: nodes.jsonl beside state.json, a record log written
 * a record at a time (src/state/record-log.ts), not in state.json, which lowdb rewrites whole on
 * every write (docs/explanation/federation-state.md says why). Records an older version kept in
 * state.json are moved here once, at start.
 */
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { openRecordLog } from '../state/record-log.js';
import { parseNodeRecord, type NodeRecord } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import { createNodeRecordWriter, type NodeRecordWriter } from './node-record-writer.js';

export const NODE_LOG_FILE_NAME = 'nodes.jsonl';

export interface NodeLog {
  records: NodeRecordWriter;
  /** Writes what is pending and closes the file. */
  close(): Promise<void>;
}

export async function openNodeRecords(deps: { stateDir: string; state: StateStore; log: Logger }): Promise<NodeLog> {
  const { state, log } = deps;
  const opened = await openRecordLog(join(deps.stateDir, NODE_LOG_FILE_NAME), parseNodeRecord);
  const legacy = Object.values(state.get().primary?.nodes ?? {}).filter((n) => !opened.records.has(n.name));
  if (legacy.length > 0) {
    // First the log, then state.json: a crash between the two finds them in both, and the log wins.
    await opened.log.append(legacy.map((n) => [n.name, n] as const));
    for (const n of legacy) opened.records.set(n.name, structuredClone(n) as NodeRecord);
    log.info({ nodes: legacy.length }, `node records moved from state.json to ${NODE_LOG_FILE_NAME}`);
  }
  if (Object.keys(state.get().primary?.nodes ?? {}).length > 0) {
    await state.update((s) => {
      if (s.primary) s.primary.nodes = {};
    });
  }
  const records = createNodeRecordWriter({
    records: opened.records,
    log: opened.log,
    onError: (err, nodes) => log.error({ err, nodes }, 'cannot record node state; retrying'),
  });
  return {
    records,
    async close() {
      await records.close();
      await opened.log.close();
    },
  };
}
