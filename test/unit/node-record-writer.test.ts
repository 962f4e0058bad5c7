import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNodeRecordWriter, NODE_RECORD_WRITE_INTERVAL_MS, NOTED_WRITE_DELAY_MS } from '../../src/federation/node-record-writer.js';
import type { RecordChange } from '../../src/state/record-log.js';
import type { NodeRecord } from '../../src/state/schema.js';

const AT = '2026-01-01T00:00:00.000Z';
const node = (name: string): NodeRecord => ({ name, credentialHash: 'h', mode: 'centralized', joinedAt: AT, lastSeen: null, received: null, applied: null, verified: null });

/** Fake time an append takes: a batch is under way for this long before it is on "disk". */
const APPEND_MS = 10;

/** An in-memory record log: what each append carried (as written), and a switch to make it fail. */
function memoryLog() {
  const appends: Array<Array<[string, NodeRecord | null]>> = [];
  let lines = 0;
  const log = {
    appends,
    compactions: 0,
    failNext: false,
    async append(changes: readonly RecordChange<NodeRecord>[]) {
      await new Promise((resolve) => setTimeout(resolve, APPEND_MS));
      if (log.failNext) {
        log.failNext = false;
        throw Object.assign(new Error('disk full'), { code: 'AM_STATE_IO' });
      }
      appends.push(changes.map(([k, r]) => [k, r === null ? null : structuredClone(r)]));
      lines += changes.length;
    },
    async compact(records: Iterable<readonly [string, NodeRecord]>) {
      log.compactions += 1;
      lines = [...records].length;
    },
    lines: () => lines,
  };
  return log;
}

/** Waits for a write that fake time must let happen. */
async function written<T>(p: Promise<T>, ms = NODE_RECORD_WRITE_INTERVAL_MS): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms);
  return p;
}

describe('the node-record writer (coalesced, durable node records)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes a burst of changes in at most one batch per interval, and each change resolves once its batch is written', async () => {
    const log = memoryLog();
    const errors: unknown[] = [];
    const writer = createNodeRecordWriter({ records: new Map(Array.from({ length: 500 }, (_, i) => [`n${i}`, node(`n${i}`)])), log, onError: (e) => errors.push(e) });
    const done: string[] = [];
    // 2,000 changes (4 per node) arrive within two intervals.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 500; i++) {
        void writer.change(`n${i}`, (n) => (n.lastSeen = `r${round}`)).then(() => done.push(`n${i}/r${round}`));
      }
      await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS / 2);
    }
    await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS * 2);
    // The first change is written at once, the rest gathered: 2 intervals of changes, 3 writes.
    expect(log.appends.length).toBeLessThanOrEqual(3);
    expect(log.appends.at(-1)!.find(([k]) => k === 'n7')![1]!.lastSeen).toBe('r3');
    expect(done).toHaveLength(2000);
    expect(errors).toEqual([]);
  });

  it('does not resolve a change before its batch is written', async () => {
    const log = memoryLog();
    const writer = createNodeRecordWriter({ records: new Map([['a', node('a')]]), log, onError: () => undefined });
    let first = false;
    void writer.change('a', (n) => (n.lastSeen = '1')).then(() => (first = true));
    // The batch began at once (the first change after a quiet spell) but is not on disk yet.
    await vi.advanceTimersByTimeAsync(APPEND_MS / 2);
    expect([first, log.appends.length]).toEqual([false, 0]);
    await vi.advanceTimersByTimeAsync(APPEND_MS);
    expect([first, log.appends.length]).toEqual([true, 1]);
    // The next change waits for the next slot.
    let second = false;
    void writer.change('a', (n) => (n.lastSeen = '2')).then(() => (second = true));
    await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS - 2 * APPEND_MS);
    expect([second, log.appends.length]).toEqual([false, 1]);
    await vi.advanceTimersByTimeAsync(2 * APPEND_MS + APPEND_MS);
    expect([second, log.appends.length]).toEqual([true, 2]);
  });

  it('a failed write rejects its changes, reports the error, and writes the records again later', async () => {
    const log = memoryLog();
    const errors: unknown[] = [];
    const writer = createNodeRecordWriter({ records: new Map([['a', node('a')]]), log, onError: (e) => errors.push(e) });
    log.failNext = true;
    const failed = writer.change('a', (n) => (n.lastSeen = 'lost?')).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2 * APPEND_MS);
    expect(await failed).toMatchObject({ message: 'disk full' });
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(log.appends.map((a) => a.map(([k, r]) => [k, r?.lastSeen]))).toEqual([[['a', 'lost?']]]);
  });

  it('writes additions and removals, and compacts once the log holds several lines per record', async () => {
    const log = memoryLog();
    const writer = createNodeRecordWriter({ records: new Map(), log, onError: () => undefined });
    await written(writer.add(node('x')));
    await written(writer.remove('x'));
    expect(log.appends).toEqual([[['x', node('x')]], [['x', null]]]);
    expect(writer.get('x')).toBeUndefined();
    // 300 records: compacted once the log holds more than max(1,000, 8 x 300) lines: 2 + 300
    // added + 7 x 300 changed.
    for (let i = 0; i < 300; i++) void writer.add(node(`m${i}`));
    for (let round = 0; round < 7; round++) {
      await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS);
      expect(log.compactions).toBe(0);
      for (let i = 0; i < 300; i++) void writer.change(`m${i}`, (n) => (n.lastSeen = `r${round}`));
    }
    await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS);
    expect(log.compactions).toBe(1);
    expect(log.lines()).toBe(300);
  });

  it('close writes what is pending at once', async () => {
    const log = memoryLog();
    const writer = createNodeRecordWriter({ records: new Map([['a', node('a')]]), log, onError: () => undefined });
    await written(writer.change('a', (n) => (n.lastSeen = '1')));
    void writer.change('a', (n) => (n.lastSeen = '2'));
    const closing = writer.close();
    await vi.advanceTimersByTimeAsync(2 * APPEND_MS);
    await closing;
    expect(log.appends.at(-1)).toEqual([['a', { ...node('a'), lastSeen: '2' }]]);
  });

  it('a noted change asks for no write: its own next change writes it, else a batch NOTED_WRITE_DELAY_MS later, a compaction or close', async () => {
    const log = memoryLog();
    const writer = createNodeRecordWriter({ records: new Map(['a', 'b', 'c', 'd'].map((n) => [n, node(n)])), log, onError: () => undefined });
    const seen = () => log.appends.map((a) => a.map(([k, r]) => [k, r?.lastSeen, r?.applied?.version ?? null]));
    // A fan-out notes what it sent to every node; nothing is written for that alone.
    for (const name of ['a', 'b', 'c', 'd']) writer.note(name, (n) => (n.lastSeen = 'sent'));
    await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS * 4);
    expect(log.appends).toEqual([]);
    // Reports follow: each batch carries the records reported, the send included, and no other.
    await written(writer.change('a', (n) => (n.applied = { version: 2, at: AT, error: null })));
    await written(writer.change('b', (n) => (n.applied = { version: 2, at: AT, error: null })));
    expect(seen()).toEqual([[['a', 'sent', 2]], [['b', 'sent', 2]]]);
    // c and d never report: the first batch that begins NOTED_WRITE_DELAY_MS after the send
    // carries them, once.
    await vi.advanceTimersByTimeAsync(NOTED_WRITE_DELAY_MS);
    await written(writer.change('a', (n) => (n.lastSeen = 'again')));
    expect(seen().at(-1)).toEqual([['a', 'again', 2], ['c', 'sent', null], ['d', 'sent', null]]);
    await written(writer.change('a', (n) => (n.lastSeen = 'once more')));
    expect(seen().at(-1)).toEqual([['a', 'once more', 2]]);
    // Noted again, and not written before close: close writes it, unknown names are ignored.
    writer.note('b', (n) => (n.lastSeen = 'later'));
    writer.note('unknown', (n) => (n.lastSeen = 'ignored'));
    const closing = writer.close();
    await vi.advanceTimersByTimeAsync(2 * APPEND_MS);
    await closing;
    expect(log.appends.at(-1)).toEqual([['b', { ...node('b'), lastSeen: 'later', applied: { version: 2, at: AT, error: null } }]]);
  });

  it('a compaction writes the noted records: no batch writes them again', async () => {
    const log = memoryLog();
    const names = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const writer = createNodeRecordWriter({ records: new Map(names.map((n) => [n, node(n)])), log, onError: () => undefined });
    writer.note('n0', (n) => (n.lastSeen = 'sent'));
    // Compacted once the log holds more than max(1,000, 8 x 200) lines: 199 a round, 9 rounds.
    for (let round = 0; round < 10 && log.compactions === 0; round++) {
      for (const name of names.slice(1)) void writer.change(name, (n) => (n.lastSeen = `r${round}`));
      await vi.advanceTimersByTimeAsync(NODE_RECORD_WRITE_INTERVAL_MS);
    }
    expect(log.compactions).toBe(1);
    await vi.advanceTimersByTimeAsync(NOTED_WRITE_DELAY_MS);
    await written(writer.change('n1', (n) => (n.lastSeen = 'after')));
    expect(log.appends.at(-1)!.map(([k]) => k)).toEqual(['n1']);
  });
});
