import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createNodeRecordWriter, NODE_RECORD_WRITE_INTERVAL_MS, NOTED_WRITE_DELAY_MS } from '../../src/federation/node-record-writer.js';
import type { RecordChange } from '../../src/state/record-log.js';
import type { NodeRecord } from '../../src/state/schema.js';

const AT = '2026-01-01T00:00:00.000Z';
const node = (name: string): NodeRecord => ({ name, credentialHash: 'h', mode: 'centralized', joinedAt: AT, lastSeen: null, received: null, applied: null, verified: null });

/** Fake time an append takes: a batch is under way for this long before it is on "disk". */
const APPEND_MS = 10;

/**
 * An in-memory record log: what each append carried (as written), what the last compaction wrote,
 * how many appends ran at once at most, and switches to make the next append or compaction fail.
 */
function memoryLog(appendMs = APPEND_MS) {
  const appends: Array<Array<[string, NodeRecord | null]>> = [];
  let lines = 0;
  let inFlight = 0;
  const log = {
    appends,
    compactions: 0,
    compacted: new Map<string, NodeRecord>(),
    maxInFlight: 0,
    failNext: false,
    failNextCompaction: false,
    async append(changes: readonly RecordChange<NodeRecord>[]) {
      inFlight += 1;
      log.maxInFlight = Math.max(log.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, appendMs));
      inFlight -= 1;
      if (log.failNext) {
        log.failNext = false;
        throw Object.assign(new Error('disk full'), { code: 'AM_STATE_IO' });
      }
      appends.push(changes.map(([k, r]) => [k, r === null ? null : structuredClone(r)]));
      lines += changes.length;
    },
    async compact(records: Iterable<readonly [string, NodeRecord]>) {
      log.compactions += 1;
      const copy = new Map([...records].map(([k, r]) => [k, structuredClone(r)]));
      await Promise.resolve();
      if (log.failNextCompaction) {
        log.failNextCompaction = false;
        throw Object.assign(new Error('disk full'), { code: 'AM_STATE_IO' });
      }
      log.compacted = copy;
      lines = copy.size;
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
  // The writer times its batches on the monotonic clock (performance.now): faked with the timers.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] }));
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

  /** 200 records, n0 noted, the others changed until the log is compacted (or its compaction fails). */
  async function compactedWithNoted(failCompaction: boolean) {
    const log = memoryLog();
    log.failNextCompaction = failCompaction;
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
    return { log, writer };
  }

  it('a compaction writes the noted records: no batch writes them again', async () => {
    const { log } = await compactedWithNoted(false);
    expect(log.compacted.get('n0')?.lastSeen).toBe('sent');
    expect(log.appends.at(-1)!.map(([k]) => k)).toEqual(['n1']);
  });

  it('a compaction that fails leaves the noted records to a later batch, and is tried again 30 s later, not with every batch', async () => {
    const { log, writer } = await compactedWithNoted(true);
    expect(log.appends.at(-1)!.map(([k, r]) => [k, r?.lastSeen])).toEqual([['n1', 'after'], ['n0', 'sent']]);
    // The log is still over its threshold: batches within 30 s of the failure do not compact.
    expect(log.compactions).toBe(1);
    await written(writer.change('n2', (n) => (n.lastSeen = 'later')));
    expect(log.compactions).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    await written(writer.change('n2', (n) => (n.lastSeen = 'later still')));
    expect(log.compactions).toBe(2);
    expect(log.compacted.get('n0')?.lastSeen).toBe('sent');
  });

  it('a record noted again keeps the time it was first noted: a node sent a version every few seconds is still written', async () => {
    const log = memoryLog();
    const writer = createNodeRecordWriter({ records: new Map(['a', 'b'].map((n) => [n, node(n)])), log, onError: () => undefined });
    writer.note('a', (n) => (n.lastSeen = 'v2 sent'));
    await vi.advanceTimersByTimeAsync(NOTED_WRITE_DELAY_MS - 1_000);
    writer.note('a', (n) => (n.lastSeen = 'v3 sent'));
    await vi.advanceTimersByTimeAsync(1_000);
    await written(writer.change('b', (n) => (n.lastSeen = 'reported')));
    expect(log.appends.at(-1)!.map(([k, r]) => [k, r?.lastSeen])).toEqual([['b', 'reported'], ['a', 'v3 sent']]);
  });

  it('close writes what changes while it waits and writes, in one append at a time, and refuses a change after it', async () => {
    // Appends slower than the interval: the write in flight when close begins ends after the
    // next batch was due.
    const log = memoryLog(100);
    const writer = createNodeRecordWriter({ records: new Map(['a', 'b', 'c', 'd'].map((n) => [n, node(n)])), log, onError: () => undefined, intervalMs: 300 });
    void writer.change('a', (n) => (n.lastSeen = '1'));
    await vi.advanceTimersByTimeAsync(50);
    // How many appends were done when close resolved: after it, the log itself is closed.
    let appendsAtClose = -1;
    const closing = writer.close().then(() => (appendsAtClose = log.appends.length));
    void writer.change('b', (n) => (n.lastSeen = 'during the write in flight'));
    await vi.advanceTimersByTimeAsync(100);
    // close's own write (b) is under way: c changes meanwhile.
    const c = writer.change('c', (n) => (n.lastSeen = "during close's write"));
    await vi.advanceTimersByTimeAsync(1_000);
    await closing;
    expect(appendsAtClose).toBe(3);
    await c;
    expect(log.appends.map((a) => a.map(([k]) => k))).toEqual([['a'], ['b'], ['c']]);
    expect(log.maxInFlight).toBe(1);
    await expect(writer.change('d', (n) => (n.lastSeen = 'too late'))).rejects.toMatchObject({ code: 'AM_CLOSED' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(log.appends).toHaveLength(3);
  });
});
