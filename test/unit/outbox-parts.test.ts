/** The outbox's pure parts, without a disk: scheduler, idempotency, room, index, compaction's rule, records. */
import { describe, expect, it } from 'vitest';
import type { BodyRef, Journal, JournalRecord } from '../../src/relay/journal.js';
import { createLogger } from '../../src/log/logger.js';
import { createCompactor, worthCompacting } from '../../src/relay/outbox-compactor.js';
import { contentDigest, createIdempotency } from '../../src/relay/outbox-idempotency.js';
import { EntryTable, type PackedTable } from '../../src/relay/entry-table.js';
import { createOutboxIndex } from '../../src/relay/outbox-index.js';
import { decodeRecord, encodeRecord, type EnqueueRecord, type Entry, type OutboxRecord } from '../../src/relay/outbox-records.js';
import { checkRoom, laneLimits, laneOf, type RoomLimits } from '../../src/relay/outbox-room.js';
import { createScheduler } from '../../src/relay/outbox-scheduler.js';
import { createCountedTable } from '../../src/util/counted-table.js';

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
    expect(keys.usedForOther('submit-socket', 'k', 'd1')).toBe(false);
  });

  it('keeps every content a key names, and forgets only the id it is told of', () => {
    const keys = createIdempotency();
    keys.remember('sendmail:0', 'k', 'd1', 'id1');
    keys.remember('sendmail:0', 'k', 'd2', 'id2');
    keys.remember('sendmail:0', 'k', 'd3', 'id3');
    keys.forget('sendmail:0', 'k', 'd2', 'not-id2');
    expect(['d1', 'd2', 'd3'].map((d) => keys.find('sendmail:0', 'k', d))).toEqual(['id1', 'id2', 'id3']);
    keys.forget('sendmail:0', 'k', 'd1', 'id1');
    keys.forget('sendmail:0', 'k', 'd3', 'id3');
    expect(keys.find('sendmail:0', 'k', 'd2')).toBe('id2');
    expect(keys.usedForOther('sendmail:0', 'k', 'd1')).toBe(true);
    keys.forget('sendmail:0', 'k', 'd2', 'id2');
    expect(keys.usedForOther('sendmail:0', 'k', 'd1')).toBe(false);
    keys.remember('sendmail:0', 'k', 'd1', 'id1');
    keys.forget('sendmail:0', 'k', 'd1', 'other');
    expect(keys.find('sendmail:0', 'k', 'd1')).toBe('id1');
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

  it('keeps one copy of each shared value while a holder is left, and lets it go with the last', () => {
    const table = createCountedTable<readonly string[]>((to) => to.join('\n'));
    const first = table.hold(['x']);
    expect(table.hold(['x'])).toBe(first);
    const other = table.hold(['y']);
    expect(table.value(first)).toEqual(['x']);
    table.release(first);
    expect(table.value(first)).toEqual(['x']); // one holder left
    table.release(first);
    expect(table.size).toBe(1);
    expect(table.hold(['z'])).toBe(first); // its number is taken again
    expect(table.value(other)).toEqual(['y']);
  });

  it('hands out copies (a change made to one is not the index\'s), and a slot freed is used again without mixing messages', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    index.apply(enqueue('a', 'port', 10), { seq: 1, offset: 0, length: 10, crc: 0 });
    index.apply({ type: 'dead', id: 'a', at: 1, attempts: 1, error: 'refused', to: ['a@example.com'] }, null);
    const copy = index.get('a')!;
    (copy as { state: string }).state = 'queued';
    expect(index.get('a')!.state).toBe('dead');
    index.apply({ type: 'drop', id: 'a' }, null);
    index.apply({ ...enqueue('b', 'submit-socket', 20), to: ['b@example.com'] }, null);
    expect(index.get('b')).toMatchObject({ id: 'b', state: 'queued', lastError: null, body: null, door: 'submit-socket', to: ['b@example.com'], size: 20 });
    expect(index.get('a')).toBeUndefined();
    expect([...index.entries()].map((e) => e.id)).toEqual(['b']);
    expect(index.counts()).toEqual({ queued: 1, deferred: 0, dead: 0, bytes: 20 });
  });

  it('keeps every field of 3,000 messages through the growth of the table and the reuse of freed slots', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const record = (i: number): EnqueueRecord => ({ ...enqueue(`m${i}`, i % 2 ? 'port' : 'submit-socket', i), kind: i % 3 ? 'alert' : 'digest', subject: `s${i}`, createdAt: 1_700_000_000_000 + i, to: [`r${i % 7}@example.com`] });
    for (let i = 0; i < 3000; i++) index.apply(record(i), { seq: 1 + (i % 5), offset: i * 1000, length: i, crc: -i });
    for (let i = 0; i < 3000; i += 2) index.apply({ type: 'sent', id: `m${i}`, at: 1 }, null);
    for (let i = 3000; i < 4500; i++) index.apply(record(i), null);
    for (let i = 1; i < 4500; i += i < 3000 ? 2 : 1) {
      const { id, door, kind, subject, createdAt, to, size } = record(i);
      expect(index.get(id)).toMatchObject({ id, door, kind, subject, createdAt, to, size, state: 'queued', body: i < 3000 ? { seq: 1 + (i % 5), offset: i * 1000, length: i, crc: -i } : null });
    }
    expect(index.size).toBe(3000);
    // Packed and unpacked after slots were freed and taken again: the same messages in the same order.
    const table = new EntryTable();
    for (let i = 0; i < 3000; i++) table.add(record(i), i % 4 ? { seq: 1, offset: i, length: i, crc: -i } : null);
    for (let i = 0; i < 3000; i += 3) table.remove(table.slot(`m${i}`)!);
    for (let i = 3000; i < 3500; i++) table.add(record(i), null);
    table.setProgress(table.slot('m1')!, { state: 'dead', attempts: 3, error: 'refused', to: ['x@example.com'] });
    // In pieces of 7 messages: the JSON text joined from many.
    const { columns, json } = table.packForSnapshot(7);
    const back = EntryTable.unpack({ ...(JSON.parse(Buffer.concat(json).toString('utf8')) as Omit<PackedTable, 'columns'>), columns });
    expect([...back.slots()].map((slot) => back.entry(slot))).toEqual([...table.slots()].map((slot) => table.entry(slot)));
  });

  it('finds ids from the columns: old and waiting, not dead, not being sent, or with a body in a segment', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const at = (id: string, createdAt: number, seq: number) => index.apply({ ...enqueue(id, 'port', 1), createdAt }, { seq, offset: 0, length: 1, crc: 0 });
    at('old', 100, 1);
    at('oldDead', 50, 1);
    at('oldSending', 60, 2);
    at('new', 500, 2);
    index.apply({ type: 'dead', id: 'oldDead', at: 1, attempts: 1, error: '550', to: [] }, null);
    index.setSending('oldSending', true);
    expect(index.idsWhere({ createdBefore: 200, notDead: true, notSending: true })).toEqual(['old']);
    expect(index.idsWhere({ bodyIn: 2 })).toEqual(['oldSending', 'new']);
    expect(index.oldestWaitingSince()).toBe(60);
  });

  it('moves a body only from where it still lies, and counts the live bytes of each segment', () => {
    const index = createOutboxIndex(createScheduler<Entry>((id) => index.get(id)), createIdempotency());
    const at1 = { seq: 1, offset: 0, length: 100, crc: 0 };
    const at2 = { seq: 2, offset: 0, length: 100, crc: 0 };
    index.apply(enqueue('a', 'port', 100), at1);
    const live = index.liveBytes();
    index.moveBody('a', { ...at1, offset: 7 }, at2);
    expect(index.get('a')!.body).toEqual(at1);
    index.moveBody('a', { ...at1 }, at2);
    expect(index.get('a')!.body).toEqual(at2);
    index.dropSegment(1);
    expect(index.liveBytes()).toBe(live);
  });

  it('makes every deferred message due now, and holds one back without making a dead letter live', () => {
    const scheduler = createScheduler<Entry>((id) => index.get(id));
    const index = createOutboxIndex(scheduler, createIdempotency());
    index.apply(enqueue('d', 'port', 1), null);
    index.apply(enqueue('x', 'port', 1), null);
    index.apply({ type: 'defer', id: 'd', attempts: 1, nextAt: Date.now() + 60_000, error: '451' }, null);
    index.apply({ type: 'dead', id: 'x', at: 1, attempts: 1, error: '550', to: [] }, null);
    index.holdBack('x', Date.now() + 90_000);
    expect(index.get('x')!.state).toBe('dead');
    expect(scheduler.due(Date.now(), 10).map((e) => e.id)).toEqual([]);
    expect(index.retryDeferredNow()).toBe(1);
    expect(index.get('d')!.nextAt).toBe(0);
    expect(scheduler.due(Date.now(), 10).map((e) => e.id)).toEqual(['d']);
    expect(index.counts()).toMatchObject({ deferred: 1, dead: 1 });
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
    position: () => ({ seq: head, offset: segments.get(head)! }),
    idle: () => true,
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
