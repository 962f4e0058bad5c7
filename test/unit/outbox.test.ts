import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { frame } from '../../src/relay/journal.js';
import { openOutbox } from '../../src/relay/outbox.js';
import { MESSAGE_ID_HEADER } from '../../src/relay/render.js';
import { eventually } from '../helpers/daemon.js';

const log = createLogger({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'am-outbox-'));
  dirs.push(d);
  return d;
}
const message = (i: number) => ({ kind: 'alert' as const, to: ['ops@example.com'], subject: `m${i}`, text: 'x'.repeat(200), html: null, idempotencyKey: null });

describe('outbox', () => {
  it('keeps queued, deferred and dead messages across a reopen; forgets sent and dropped ones', async () => {
    const dir = stateDir();
    const outbox = await openOutbox(dir, log);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await outbox.enqueue(message(i))).id);
    await outbox.markSent(ids[0]!);
    await outbox.markDeferred(ids[1]!, '421 try later', Date.now() + 60_000);
    await outbox.markDead(ids[2]!, '550 no such user');
    expect(await outbox.drop([ids[3]!])).toBe(1);
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(again.counts()).toMatchObject({ queued: 1, deferred: 1, dead: 1, sentSinceStart: 0 });
    expect(again.get(ids[1]!)).toMatchObject({ state: 'deferred', attempts: 1, lastError: '421 try later' });
    expect(again.get(ids[2]!)).toMatchObject({ state: 'dead', lastError: '550 no such user' });
    expect(again.get(ids[4]!)?.state).toBe('queued');
    expect(await again.requeue('all-dead')).toBe(1);
    // Tries are counted on: a retried dead letter that fails again shows 2.
    expect(again.get(ids[2]!)).toMatchObject({ state: 'queued', attempts: 1 });
    await again.markDead(ids[2]!, '550 still no such user');
    expect(again.get(ids[2]!)?.attempts).toBe(2);
    await again.close();
  });

  it('an idempotency key belongs to its caller: the same content is a duplicate, other content a message of its own, across a reopen', async () => {
    const dir = stateDir();
    const outbox = await openOutbox(dir, log);
    const engine = { door: 'submit-socket' as const, client: '' };
    const port = { door: 'port' as const, client: '127.0.0.1' };
    const alert = { kind: 'alert' as const, to: ['ops@example.com'], subject: 'DISK FAILURE on array 1', text: 'replace disk 3', html: null, idempotencyKey: 'engine-alert-42' };
    // Two at once with the same key and content: one message.
    const [first, second] = await Promise.all([outbox.enqueue(alert, engine), outbox.enqueue(alert, engine)]);
    expect(second).toEqual({ id: first.id, duplicate: true });
    // Other content under the same key is queued, never refused: a key cannot suppress a message.
    const other = { ...alert, subject: 'All clear, ignore further alerts', text: 'nothing to see' };
    const own = await outbox.enqueue(other, engine);
    expect(own).toMatchObject({ duplicate: false });
    // Another caller's same key and content is its own message: it learns no one's id.
    const taken = await outbox.enqueue(alert, port);
    expect(taken.duplicate).toBe(false);
    expect([first.id, own.id]).not.toContain(taken.id);
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(await again.enqueue(alert, engine)).toEqual({ id: first.id, duplicate: true });
    expect(await again.enqueue(other, engine)).toEqual({ id: own.id, duplicate: true });
    expect(await again.enqueue(alert, port)).toEqual({ id: taken.id, duplicate: true });
    expect(again.counts().queued).toBe(3);
    await again.close();
  });

  it('loads a journal written with the short record keys of before (t, kd, s)', async () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'outbox'), { recursive: true });
    const body = Buffer.from('Subject: old\r\nX-Appliance-Mail-ID: 0old00000-aaaaaaaaaa\r\n\r\nold body\r\n');
    const s = { state: 'deferred', attempts: 2, nextAt: Date.now() + 60_000, error: '451 later', to: ['ops@example.com'] };
    writeFileSync(
      join(dir, 'outbox', 'journal-00000001.log'),
      Buffer.concat([
        frame({ meta: { t: 'enq', id: '0old00000-aaaaaaaaaa', kind: 'alert', to: ['ops@example.com'], subject: 'old', createdAt: 1, key: 'k1', kd: 'digest-of-old', size: body.length, s }, body }),
        frame({ meta: { t: 'enq', id: '0old00001-bbbbbbbbbb', kind: 'digest', to: ['ops@example.com'], subject: 'sent', createdAt: 2, key: null, size: body.length }, body }),
        frame({ t: 'sent', id: '0old00001-bbbbbbbbbb', at: 3 }),
      ]),
    );
    const outbox = await openOutbox(dir, log);
    expect(outbox.list().map((e) => e.id)).toEqual(['0old00000-aaaaaaaaaa']);
    expect(outbox.get('0old00000-aaaaaaaaaa')).toMatchObject({ state: 'deferred', attempts: 2, lastError: '451 later' });
    expect((await outbox.readMessage(outbox.get('0old00000-aaaaaaaaaa')!, 0)).toString()).toContain('old body');
    await outbox.close();
  });

  it('compacts its journal to the live messages without losing one, even with submissions under way', async () => {
    const dir = stateDir();
    // The outbox logs each compaction when it is done: that line is the event to wait for.
    let compacted!: () => void;
    const compaction = new Promise<void>((resolve) => (compacted = resolve));
    const watched = createLogger({ level: 'info', destination: { write: (line: string) => (line.includes('"outbox journal compacted"') ? compacted() : undefined) } });
    const outbox = await openOutbox(dir, watched, { compactMinBytes: 20_000, segmentBytes: 8_000 });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await outbox.enqueue(message(i))).id);
    const live = new Set(ids.slice(190));
    const late: Array<Promise<{ id: string }>> = [];
    for (const [i, id] of ids.slice(0, 190).entries()) {
      await outbox.markSent(id);
      if (i % 10 === 0) late.push(outbox.enqueue(message(1000 + i)));
    }
    for (const reply of await Promise.all(late)) live.add(reply.id);
    await compaction;
    // Every live body is readable where the index now points.
    for (const id of live) expect((await outbox.readMessage(outbox.get(id)!, 0)).toString()).toContain(`${MESSAGE_ID_HEADER}: ${id}`);
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(new Set(again.list().map((e) => e.id))).toEqual(live);
    for (const id of live) expect((await again.readMessage(again.get(id)!, 0)).toString()).toContain(`${MESSAGE_ID_HEADER}: ${id}`);
    await again.close();
  });

  it('keeps the state of a message copied forward by compaction, and a crash between copy and delete is harmless', async () => {
    const dir = stateDir();
    const outbox = await openOutbox(dir, log, { compactMinBytes: 1, segmentBytes: 2_000 });
    const keep = (await outbox.enqueue(message(1))).id;
    await outbox.markDeferred(keep, '451 later', Date.now() + 60_000);
    const dead = (await outbox.enqueue(message(2))).id;
    await outbox.markDead(dead, '550 gone');
    const filler = [];
    for (let i = 0; i < 20; i++) filler.push((await outbox.enqueue(message(10 + i))).id);
    for (const id of filler) await outbox.markSent(id);
    await eventually(() => (readdirSync(join(dir, 'outbox')).includes('journal-00000001.log') ? undefined : true), 10_000, 'compaction to drop the first segment');
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(again.get(keep)).toMatchObject({ state: 'deferred', attempts: 1, lastError: '451 later' });
    expect(again.get(dead)).toMatchObject({ state: 'dead', attempts: 1, lastError: '550 gone' });
    expect(again.list()).toHaveLength(2);
    await again.close();
  });

  it('refuses unknown ids with AM_MESSAGE_UNKNOWN', async () => {
    const outbox = await openOutbox(stateDir(), log);
    await expect(outbox.drop(['nope'])).rejects.toMatchObject({ code: 'AM_MESSAGE_UNKNOWN' });
    await outbox.close();
  });
});

describe('outbox storage', () => {
  it('renders once at intake: headers as sent, without From, with Auto-Submitted and the id', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const { id } = await outbox.enqueue({ kind: 'alert', to: ['a@example.com', 'b@example.org'], subject: 'Disk full on db-1', text: 'only 3 % left', html: '<p>only 3 % left</p>', idempotencyKey: null });
    const raw = (await outbox.readMessage(outbox.get(id)!, 0)).toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^From:/im);
    expect(head).toMatch(/^Auto-Submitted: auto-generated$/im);
    expect(head).toMatch(new RegExp(`^${MESSAGE_ID_HEADER}: ${id}$`, 'im'));
    expect(head).toMatch(new RegExp(`^Message-ID: <${id}@`, 'im'));
    expect(head).toMatch(/^To: a@example.com, b@example.org$/im);
    expect(head).toMatch(/^Date: /im);
    expect(raw).toContain('multipart/alternative');
    expect(outbox.get(id)).toMatchObject({ size: Buffer.byteLength(raw), subject: 'Disk full on db-1' });
    await outbox.close();
  });

  it('holds the index, not the bodies: 60 messages of 2 MB, reopened, leave the heap small', async () => {
    const dir = stateDir();
    const outbox = await openOutbox(dir, log);
    const big = 'x'.repeat(2 * 1024 * 1024);
    for (let i = 0; i < 60; i++) await outbox.enqueue({ ...message(i), text: big });
    await outbox.close();
    const gc = globalThis.gc;
    expect(gc, 'vitest.config.ts starts test workers with --expose-gc').toBeTypeOf('function');
    gc!();
    const before = process.memoryUsage().heapUsed;
    const again = await openOutbox(dir, log);
    gc!();
    const grown = process.memoryUsage().heapUsed - before;
    console.log(`reopened 60 x 2 MB (${(again.counts().bytes / 2 ** 20).toFixed(0)} MB on disk): heap grew ${(grown / 2 ** 20).toFixed(1)} MB`);
    expect(again.counts()).toMatchObject({ queued: 60 });
    expect(again.counts().bytes).toBeGreaterThan(120 * 2 ** 20);
    // Whole bodies would be 120 MB (240 as JS strings); the index is a few hundred bytes each.
    expect(grown).toBeLessThan(20 * 2 ** 20);
    await again.close();
  }, 60_000);

  it('refuses past relay.maxOutboxBytes and below relay.minFreeBytes with AM_OUTBOX_FULL naming the figure, keeping what it holds', async () => {
    const dir = stateDir();
    const shares = { submissionPort: 0.25, sendmail: 0.25, digests: 0.25 };
    let limits = { maxOutboxBytes: 20_000, minFreeBytes: 0, shares };
    const outbox = await openOutbox(dir, log, { limits: () => limits });
    const accepted: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 100 && !refusal; i++) {
      await outbox.enqueue(message(i)).then((r) => accepted.push(r.id), (err: unknown) => (refusal = err));
    }
    expect(refusal).toMatchObject({ code: 'AM_OUTBOX_FULL', message: expect.stringMatching(/relay.maxOutboxBytes is 20 KB/) });
    expect(accepted.length).toBeGreaterThan(5);
    expect(outbox.counts().bytes).toBeLessThanOrEqual(20_000);
    limits = { maxOutboxBytes: 2 ** 40, minFreeBytes: 2 ** 60, shares };
    await expect(outbox.enqueue(message(-1))).rejects.toMatchObject({ code: 'AM_OUTBOX_FULL', message: expect.stringMatching(/relay.minFreeBytes/) });
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(again.list().map((e) => e.id).sort()).toEqual(accepted.sort());
    await again.close();
  });
});

describe('outbox scheduling', () => {
  it('sends alerts and tests first, then appliance notifications, then digests; first in first out within a kind', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const of = (kind: 'alert' | 'digest' | 'appliance' | 'test', i: number) => outbox.enqueue({ ...message(i), kind }).then((r) => r.id);
    const d1 = await of('digest', 1);
    const d2 = await of('digest', 2);
    const n1 = await of('appliance', 3);
    const a1 = await of('alert', 4);
    const t1 = await of('test', 5);
    const a2 = await of('alert', 6);
    expect(outbox.due(Date.now(), 10).map((e) => e.id)).toEqual([a1, t1, a2, n1, d1, d2]);
    // A retry falls due behind the alerts waiting, ahead of every digest.
    const now = Date.now();
    await outbox.markDeferred(a1, '451', now + 1000);
    expect(outbox.due(now + 2000, 3).map((e) => e.id)).toEqual([t1, a2, a1]);
    await outbox.close();
  });

  it('finds a new alert ahead of 10,000 queued digests at once', async () => {
    const outbox = await openOutbox(stateDir(), log);
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => outbox.enqueue({ ...message(i), kind: 'digest' })));
    const { id } = await outbox.enqueue(message(-1));
    expect(outbox.due(Date.now(), 1)[0]?.id).toBe(id);
    await outbox.close();
  }, 60_000);

  it('retry makes a deferred message due now and keeps its tries; drop takes several ids or every dead letter', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await outbox.enqueue(message(i))).id);
    await outbox.markDeferred(ids[0]!, '451', Date.now() + 3_600_000);
    expect(await outbox.requeue([ids[0]!])).toBe(1);
    expect(outbox.get(ids[0]!)).toMatchObject({ state: 'queued', attempts: 1 });
    await expect(outbox.requeue([ids[1]!])).rejects.toMatchObject({ code: 'AM_INVALID_ARGUMENT' });
    await outbox.markDead(ids[2]!, '550');
    await outbox.markDead(ids[3]!, '550');
    expect(await outbox.drop('all-dead')).toBe(2);
    expect(await outbox.drop([ids[0]!, ids[1]!])).toBe(2);
    expect(outbox.list()).toEqual([]);
    await outbox.close();
  });

  it('hands out queued messages oldest first, then deferred ones as they fall due, soonest first', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await outbox.enqueue(message(i))).id);
    const now = Date.now();
    await outbox.markDeferred(ids[0]!, '451', now + 3000);
    await outbox.markDeferred(ids[1]!, '451', now + 1000);
    await outbox.markDead(ids[2]!, '550');
    expect(outbox.due(now, 10).map((e) => e.id)).toEqual([ids[3], ids[4], ids[5]]);
    for (const id of ids.slice(3)) outbox.markSending(id, true);
    expect(outbox.due(now, 10)).toEqual([]);
    expect(outbox.nextDueAt()).toBe(now + 1000);
    expect(outbox.due(now + 5000, 10).map((e) => e.id)).toEqual([ids[1], ids[0]]);
    // A send that ended without a new state puts the entry back where it was.
    outbox.markSending(ids[3]!, false);
    expect(outbox.due(now, 10).map((e) => e.id)).toEqual([ids[3]]);
    outbox.retryDeferredNow();
    expect(outbox.due(now, 10).map((e) => e.id).sort()).toEqual([ids[0], ids[1], ids[3]].sort());
    await outbox.close();
  });

  it('postpone holds an entry back in memory only (an outcome that could not be written)', async () => {
    const dir = stateDir();
    const outbox = await openOutbox(dir, log);
    const { id } = await outbox.enqueue(message(1));
    outbox.markSending(id, true);
    outbox.postpone(id, Date.now() + 60_000);
    outbox.markSending(id, false);
    expect(outbox.due(Date.now(), 10)).toEqual([]);
    expect(outbox.due(Date.now() + 61_000, 10).map((e) => e.id)).toEqual([id]);
    await outbox.close();
    // Not written: after a restart the message is simply queued again.
    const again = await openOutbox(dir, log);
    expect(again.get(id)?.state).toBe('queued');
    await again.close();
  });

  it('finds the queued message among 20,000 deferred ones (prints the cost per call)', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const far = Date.now() + 3_600_000;
    const ids = await Promise.all(Array.from({ length: 20_000 }, (_, i) => outbox.enqueue(message(i)).then((r) => r.id)));
    await Promise.all(ids.map((id) => outbox.markDeferred(id, '451', far)));
    const fresh = (await outbox.enqueue(message(-1))).id;
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      const [entry] = outbox.due(Date.now(), 1);
      expect(entry?.id).toBe(fresh);
      outbox.nextDueAt();
    }
    const perCallUs = ((performance.now() - start) / 1000) * 1000;
    console.log(`due()+nextDueAt() with 20,000 deferred: ${perCallUs.toFixed(1)} µs per call`);
    expect(outbox.nextDueAt()).toBe(0);
    await outbox.close();
  }, 60_000);
});
