import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { openOutbox } from '../../src/relay/outbox.js';

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
    await outbox.drop(ids[3]!);
    await outbox.close();
    const again = await openOutbox(dir, log);
    expect(again.counts()).toEqual({ queued: 1, deferred: 1, dead: 1, sentSinceStart: 0 });
    expect(again.get(ids[1]!)).toMatchObject({ state: 'deferred', attempts: 1, lastError: '421 try later' });
    expect(again.get(ids[2]!)).toMatchObject({ state: 'dead', lastError: '550 no such user' });
    expect(again.get(ids[4]!)?.state).toBe('queued');
    expect(await again.requeue('all-dead')).toBe(1);
    expect(again.get(ids[2]!)).toMatchObject({ state: 'queued', attempts: 0 });
    await again.close();
  });

  it('compacts its journal to the live messages without losing one, even with submissions under way', async () => {
    const dir = stateDir();
    // The outbox logs each compaction when it is done: that line is the event to wait for.
    let compacted!: () => void;
    const compaction = new Promise<void>((resolve) => (compacted = resolve));
    const watched = createLogger({ level: 'info', destination: { write: (line: string) => (line.includes('"outbox journal compacted"') ? compacted() : undefined) } });
    const outbox = await openOutbox(dir, watched, { compactMinBytes: 20_000 });
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
    await outbox.close();
    const files = readdirSync(join(dir, 'outbox'));
    expect(files.filter((f) => f.startsWith('journal-'))).toHaveLength(1);
    expect(files).not.toContain('journal-00000001.log');
    const again = await openOutbox(dir, log);
    expect(new Set(again.list().map((e) => e.message.id))).toEqual(live);
    await again.close();
  });

  it('refuses unknown ids with AM_MESSAGE_UNKNOWN', async () => {
    const outbox = await openOutbox(stateDir(), log);
    await expect(outbox.drop('nope')).rejects.toMatchObject({ code: 'AM_MESSAGE_UNKNOWN' });
    await outbox.close();
  });
});

describe('outbox scheduling', () => {
  it('hands out queued messages oldest first, then deferred ones as they fall due, soonest first', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await outbox.enqueue(message(i))).id);
    const now = Date.now();
    await outbox.markDeferred(ids[0]!, '451', now + 3000);
    await outbox.markDeferred(ids[1]!, '451', now + 1000);
    await outbox.markDead(ids[2]!, '550');
    expect(outbox.due(now, 10).map((e) => e.message.id)).toEqual([ids[3], ids[4], ids[5]]);
    for (const id of ids.slice(3)) outbox.markSending(id, true);
    expect(outbox.due(now, 10)).toEqual([]);
    expect(outbox.nextDueAt()).toBe(now + 1000);
    expect(outbox.due(now + 5000, 10).map((e) => e.message.id)).toEqual([ids[1], ids[0]]);
    // A send that ended without a new state puts the entry back where it was.
    outbox.markSending(ids[3]!, false);
    expect(outbox.due(now, 10).map((e) => e.message.id)).toEqual([ids[3]]);
    outbox.retryDeferredNow();
    expect(outbox.due(now, 10).map((e) => e.message.id).sort()).toEqual([ids[0], ids[1], ids[3]].sort());
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
    expect(outbox.due(Date.now() + 61_000, 10).map((e) => e.message.id)).toEqual([id]);
    await outbox.close();
    // Not written: after a restart the message is simply queued again.
    const again = await openOutbox(dir, log);
    expect(again.get(id)?.state).toBe('queued');
    await again.close();
  });

  it('finds the queued message among 50,000 deferred ones (prints the cost per call)', async () => {
    const outbox = await openOutbox(stateDir(), log);
    const far = Date.now() + 3_600_000;
    const ids = await Promise.all(Array.from({ length: 50_000 }, (_, i) => outbox.enqueue(message(i)).then((r) => r.id)));
    await Promise.all(ids.map((id) => outbox.markDeferred(id, '451', far)));
    const fresh = (await outbox.enqueue(message(-1))).id;
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      const [entry] = outbox.due(Date.now(), 1);
      expect(entry?.message.id).toBe(fresh);
      outbox.nextDueAt();
    }
    const perCallUs = ((performance.now() - start) / 1000) * 1000;
    console.log(`due()+nextDueAt() with 50,000 deferred: ${perCallUs.toFixed(1)} µs per call`);
    expect(outbox.nextDueAt()).toBe(0);
    await outbox.close();
  }, 60_000);
});
