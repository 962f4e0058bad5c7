/** The outbox's pure parts, without a disk: scheduler, idempotency, room, index, compaction's rule, records. */
import { describe, expect, it } from 'vitest';
import type { BodyRef, Journal, JournalRecord } from '../../src/relay/journal.js';
import { createLogger } from '../../src/log/logger.js';
import { createCompactor, worthCompacting } from '../../src/relay/outbox-compactor.js';
import { contentDigest, createIdempotency } from '../../src/relay/outbox-idempotency.js';
import { createOutboxIndex } from '../../src/relay/outbox-index.js';
import { decodeRecord, encodeRecord, type EnqueueRecord, type Entry, type OutboxRecord } from '../../src/relay/outbox-records.js';
import { checkRoom, laneLimits, laneOf, type RoomLimits } from '../../src/relay/outbox-room.js';
import { createScheduler } from '../../src/relay/outbox-scheduler.js';
import { createInterner } from '../../src/util/interner.js';

type Item = Pick<Entry, 'id' | 'kind' | 'source' | 'state' | 'nextAt' | 'sending'>;

function schedulerWith(items: Item[]) {
  const byId = new Map(items.map((i) => [i.id, i]));
  const scheduler = createScheduler<Item>((id) => byId.get(id));
  for (const item of items) scheduler.track(item);
  return { scheduler, add: (item: Item) => (byId.set(item.id, item), scheduler.track(item)) };
}
const item = (id: string, source: string, kind: Item['kind'] = 'appliance'): Item => ({ id, kind, source, state: 'queued', nextAt: 0, sending: false });

describe('scheduler', () => {
  it('lets sources take turns within a kind: a flood of 1,000 delays another source by at most one batch', () => {
    const flood = Array.from({ length: 1000 }, (_, i) => item(`f${i}`, 'port:127.0.0.1'));
    const { scheduler, add } = schedulerWith(flood);
    add(item('cron', 'port:127.0.0.2'));
    add(item('engine', 'submit-socket'));
    const batch = scheduler.due(0, 3).map((e) => e.id);
    expect(batch).toEqual(expect.arrayContaining(['cron', 'engine']));
    // Per source, first in first out.
    expect(batch.filter((id) => id.startsWith('f'))).toEqual(['f0']);
  });

  it('keeps priorities above turns: alerts and tests, then notifications, then digests', () => {
    const { scheduler } = schedulerWith([item('d', 'a', 'digest'), item('n', 'a', 'appliance'), item('t', 'b', 'test'), item('a', 'a', 'alert')]);
    expect(scheduler.due(0, 4).map((e) => e.id)).toEqual(['t', 'a', 'n', 'd']);
  });

  it('moves a deferred entry in when it falls due, behind those waiting, and says when the next one is due', () => {
    const later: Item = { ...item('later', 'a'), state: 'deferred', nextAt: 1000 };
    const { scheduler } = schedulerWith([later, item('now', 'a')]);
    expect(scheduler.due(500, 5).map((e) => e.id)).toEqual(['now']);
    expect(scheduler.due(1500, 5).map((e) => e.id)).toEqual(['now', 'later']);
    const sending = scheduler.due(1500, 5);
    for (const e of sending) {
      e.sending = true;
      scheduler.track(e);
    }
    expect(scheduler.nextDueAt()).toBe(null);
  });
});

describe('idempotency', () => {
  it('scopes a key to its caller; other content under it is not a duplicate; old records match any caller', () => {
    const keys = createIdempotency();
    keys.remember('submit-socket', 'k', 'd1', 'id1');
    expect(keys.find('submit-socket', 'k', 'd1')).toBe('id1');
    expect(keys.find('submit-socket', 'k', 'd2')).toBeUndefined();
    expect(keys.usedForOther('submit-socket', 'k', 'd2')).toBe(true);
    expect(keys.find('port:127.0.0.1', 'k', 'd1')).toBeUndefined();
    keys.remember('', 'old', null, 'id0');
    expect(keys.find('port:127.0.0.1', 'old', 'anything')).toBe('id0');
    keys.forget('submit-socket', 'k', 'd1', 'id1');
    expect(keys.find('submit-socket', 'k', 'd1')).toBeUndefined();
  });

  it('runs one store for concurrent retries and answers the others with its result', async () => {
    const keys = createIdempotency();
    let stores = 0;
    const store = async () => ({ id: `id${++stores}` });
    const [a, b] = await Promise.all([keys.once('s', 'k', 'd', store), keys.once('s', 'k', 'd', store)]);
    expect(stores).toBe(1);
    expect([a.first, b.first]).toEqual([true, false]);
    expect(b.value).toEqual(a.value);
  });

  it('digests the kind, recipients and content, or the request a notification gives', () => {
    const m = { kind: 'alert' as const, to: ['a@example.com'], subject: 's', text: 't', html: null };
    expect(contentDigest(m)).toBe(contentDigest({ ...m }));
    expect(contentDigest(m)).not.toBe(contentDigest({ ...m, text: 'u' }));
    expect(contentDigest({ ...m, text: 'rendered at 10:00', idempotencyContent: 'req' })).toBe(contentDigest({ ...m, text: 'rendered at 10:01', idempotencyContent: 'req' }));
  });
});

describe('room', () => {
  const limits: RoomLimits = { maxOutboxBytes: 1000, minFreeBytes: 0, shares: { submissionPort: 0.25, sendmail: 0.25, digests: 0.25 } };
  const use = (port: number, priority = 0) => ({ total: port + priority, byLane: { priority, port, sendmail: 0, digest: 0 }, free: Number.POSITIVE_INFINITY });

  it('caps the submission port at its share and keeps the rest for alerts', () => {
    expect(() => checkRoom(use(200), limits, 'port', 50, '/x')).not.toThrow();
    expect(() => checkRoom(use(240), limits, 'port', 50, '/x')).toThrow(expect.objectContaining({ code: 'AM_OUTBOX_FULL', message: expect.stringContaining('relay.shares.submissionPort') }));
    expect(() => checkRoom(use(250, 500), limits, 'priority', 250, '/x')).not.toThrow();
    expect(() => checkRoom(use(250, 500), limits, 'priority', 251, '/x')).toThrow(expect.objectContaining({ code: 'AM_OUTBOX_FULL', message: expect.stringContaining('relay.maxOutboxBytes') }));
  });

  it('shares the free space above the floor when it is less than the quota', () => {
    const onDisk = { maxOutboxBytes: 10_000, minFreeBytes: 100, shares: limits.shares };
    // 100 stored by the port, 300 free: the room is 100 + 300 - 100 = 300, the port's share 75.
    expect(laneLimits({ total: 100, free: 300 }, onDisk)).toMatchObject({ priority: 300, port: 75 });
    expect(() => checkRoom({ total: 100, byLane: { priority: 0, port: 100, sendmail: 0, digest: 0 }, free: 300 }, onDisk, 'port', 10, '/x')).toThrow(/share for the submission port/);
    expect(() => checkRoom({ total: 100, byLane: { priority: 0, port: 100, sendmail: 0, digest: 0 }, free: 300 }, onDisk, 'priority', 150, '/x')).not.toThrow();
  });

  it('puts each door and kind in its lane', () => {
    expect(laneOf('port', 'appliance')).toBe('port');
    expect(laneOf('sendmail', 'appliance')).toBe('sendmail');
    expect(laneOf('submit-socket', 'digest')).toBe('digest');
    expect(laneOf('submit-socket', 'alert')).toBe('priority');
    expect(laneOf(null, 'test')).toBe('priority');
  });
});

describe('index and records', () => {
  const enqueue = (id: string, door: 'port' | 'submit-socket', size: number): EnqueueRecord => ({ type: 'enqueue', id, kind: 'appliance', to: ['a@example.com'], subject: 's', createdAt: 1, key: null, keyDigest: null, source: door, door, size });

  it('keeps bytes per lane and forgets sent and dropped messages', () => {
    const idempotency = createIdempotency();
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), idempotency);
    index.apply(enqueue('p1', 'port', 100), null);
    index.apply(enqueue('e1', 'submit-socket', 40), null);
    index.apply({ type: 'defer', id: 'e1', attempts: 1, nextAt: 5, error: '451' }, null);
    expect(index.bytesByLane()).toMatchObject({ port: 100, priority: 40 });
    expect(index.counts()).toEqual({ queued: 1, deferred: 1, dead: 0, bytes: 140 });
    index.apply({ type: 'sent', id: 'p1', at: 2 }, null);
    expect(index.bytesByLane()).toMatchObject({ port: 0, priority: 40 });
    expect(index.storedBytes()).toBe(40);
  });

  it('keeps one copy of the recipients many entries share, each read from its own record', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const read = (record: OutboxRecord) => decodeRecord(JSON.parse(JSON.stringify(encodeRecord(record))))!;
    index.apply(read(enqueue('a', 'port', 1)), null);
    index.apply(read(enqueue('b', 'port', 1)), null);
    index.apply(read({ ...enqueue('c', 'port', 1), to: ['other@example.com'] }), null);
    expect(index.get('a')!.to).toBe(index.get('b')!.to);
    expect(index.get('c')!.to).toEqual(['other@example.com']);
    index.apply(read({ type: 'dead', id: 'c', at: 2, attempts: 1, error: '550', to: ['a@example.com'] }), null);
    expect(index.get('c')!.to).toBe(index.get('a')!.to);
  });

  it('keeps an entry whose copied progress lacks its recipients (damage the CRC missed) rather than failing the start', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const damaged = decodeRecord({ ...encodeRecord(enqueue('d', 'port', 1)), progress: { state: 'deferred', attempts: 1, nextAt: 5, error: '451' } })!;
    expect(() => index.apply(damaged, null)).not.toThrow();
    expect(index.get('d')).toMatchObject({ state: 'deferred', attempts: 1 });
  });

  it('shares equal values up to its bound, then starts over without losing what it handed out', () => {
    const intern = createInterner<string[]>((to) => to.join('\n'), 2);
    const first = intern(['x']);
    expect(intern(['x'])).toBe(first);
    intern(['y']);
    const z = ['z'];
    expect(intern(z)).toBe(z); // the table was full: it starts over with this one
    expect(intern(['z'])).toBe(z);
    expect(first).toEqual(['x']);
    expect(intern(['x'])).not.toBe(first); // forgotten, not wrong
  });

  it('writes words and reads the short keys of before', () => {
    const record = { ...enqueue('x', 'port', 1), keyDigest: 'd', progress: { state: 'dead' as const, attempts: 1, nextAt: 0, error: 'e', to: [] } };
    expect(Object.keys(encodeRecord(record))).toEqual(expect.arrayContaining(['type', 'keyDigest', 'progress']));
    expect(decodeRecord(JSON.parse(JSON.stringify(encodeRecord(record))))).toEqual(record);
    expect(decodeRecord({ t: 'enq', id: 'y', kind: 'alert', to: [], subject: 's', createdAt: 1, key: 'k', kd: 'd', size: 1, s: { state: 'dead' } })).toMatchObject({ type: 'enqueue', keyDigest: 'd', source: '', door: null, progress: { state: 'dead' } });
    expect(decodeRecord({ t: 'sent', id: 'y', at: 1 })).toMatchObject({ type: 'sent', id: 'y' });
    expect(decodeRecord({ t: 'what' })).toBeNull();
  });

  it('compacts once the journal is large and mostly finished messages', () => {
    expect(worthCompacting(100, 50, 100)).toBe(true);
    expect(worthCompacting(100, 51, 100)).toBe(false);
    expect(worthCompacting(99, 0, 100)).toBe(false);
  });
});

/** A journal in memory: segments of records, enough for the compactor. */
function memoryJournal(): Journal & { bodies: Map<string, Buffer>; removed: number[] } {
  const segments = new Map<number, number>([[1, 0]]);
  const bodies = new Map<string, Buffer>();
  const removed: number[] = [];
  let head = 1;
  const at = (ref: BodyRef) => `${ref.seq}:${ref.offset}`;
  return {
    bodies,
    removed,
    async append(records: readonly JournalRecord[]) {
      return records.map((r) => {
        const meta = Buffer.byteLength(JSON.stringify(r.meta));
        const offset = segments.get(head)! + meta;
        segments.set(head, offset + (r.body?.length ?? 0));
        if (!r.body) return null;
        const ref = { seq: head, offset, length: r.body.length, crc: 0 };
        bodies.set(at(ref), r.body);
        return ref;
      });
    },
    readBody: async (ref) => bodies.get(at(ref))!,
    segments: () => [...segments].map(([seq, bytes]) => ({ seq, bytes })),
    roll: async () => void segments.set(++head, 0),
    removeSegment: async (seq) => void (segments.delete(seq), removed.push(seq)),
    sizeBytes: () => [...segments.values()].reduce((a, b) => a + b, 0),
    fsyncCount: () => 0,
    checkIdentity: async () => null,
    close: async () => undefined,
  };
}

describe('compactor, on a journal in memory', () => {
  it('copies the live messages of the oldest segment forward with their progress, then removes it', async () => {
    const journal = memoryJournal();
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const body = Buffer.alloc(1000, 'x');
    for (let i = 0; i < 10; i++) {
      const record: OutboxRecord = { type: 'enqueue', id: `m${i}`, kind: 'alert', to: ['a@example.com'], subject: 's', createdAt: i, key: null, keyDigest: null, source: 'submit-socket', door: 'submit-socket', size: body.length };
      const [ref] = await journal.append([{ meta: encodeRecord(record), body }]);
      index.apply(record, ref ?? null);
    }
    for (let i = 0; i < 9; i++) index.apply({ type: 'sent', id: `m${i}`, at: 1 }, null);
    index.apply({ type: 'defer', id: 'm9', attempts: 2, nextAt: 99, error: '451 later' }, null);
    const compacted = new Promise<void>((resolve) => {
      const log = createLogger({ level: 'info', destination: { write: (line: string) => (line.includes('outbox journal compacted') ? resolve() : undefined) } });
      createCompactor({ journal: () => journal, index, log, minBytes: 1, paused: () => false }).maybeCompact();
    });
    await compacted;
    expect(journal.removed).toEqual([1]);
    expect(index.get('m9')).toMatchObject({ state: 'deferred', attempts: 2, body: { seq: 2 } });
    expect(await journal.readBody(index.get('m9')!.body!)).toEqual(body);
  });
});
