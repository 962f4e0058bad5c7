/**
 * The index snapshot, on real files: a start that reads it and the journal after it builds the
 * index a start reading every record builds; a snapshot that is damaged, or of another journal,
 * is not used. Folders are copied while the outbox that wrote them is still open, as a kill -9
 * would leave them (every acknowledged record is on disk).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { openOutbox, type Outbox } from '../../src/relay/outbox.js';
import { SNAPSHOT_FILE } from '../../src/relay/outbox-snapshot.js';
import { eventually } from '../helpers/daemon.js';
import { needsRoot } from '../helpers/tools.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'am-snapshot-'));
  dirs.push(d);
  return d;
}

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const said = (text: string) => lines.filter((l) => String(l['msg']).includes(text));
  return { log, lines, said };
}

const engine = { door: 'submit-socket' as const, client: '' };
const message = (i: number, key: string | null = null) => ({ kind: (i % 3 === 0 ? 'digest' : 'alert') as 'digest' | 'alert', to: [`ops${i % 4}@example.com`], subject: `m${i}`, text: `body ${i} `.repeat(20), html: null, idempotencyKey: key });

/** Messages in every state, and keys: what a snapshot must carry. */
async function fill(outbox: Outbox, from: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) ids.push((await outbox.enqueue(message(i, i % 5 === 0 ? `key-${i}` : null), engine)).id);
  for (let i = 0; i < count; i += 7) await outbox.markSent(ids[i]!);
  for (let i = 1; i < count; i += 7) await outbox.markDeferred(ids[i]!, `451 later ${i}`, Date.now() + 60_000 + i);
  for (let i = 2; i < count; i += 7) await outbox.markDead(ids[i]!, '550 no such user', [`ops${i % 4}@example.com`]);
  await outbox.drop([ids[3]!]);
  return ids;
}

/** Everything a start rebuilds, in a form two starts can be compared by. */
function contents(outbox: Outbox) {
  const entries = outbox.list();
  entries.sort((a, b) => (a.id < b.id ? -1 : 1));
  // Sent since start counts this process's sends: not part of what a start rebuilds.
  const { sentSinceStart: _, ...counts } = outbox.counts();
  return { entries, counts, room: outbox.room(), nextDue: outbox.nextDueAt() };
}

/** Opens a copy of `dir` with or without its snapshot; returns what it holds and what it said. */
async function openCopy(dir: string, withSnapshot: boolean) {
  const copy = stateDir();
  cpSync(join(dir, 'outbox'), join(copy, 'outbox'), { recursive: true });
  if (!withSnapshot) rmSync(join(copy, 'outbox', SNAPSHOT_FILE), { force: true });
  const { log, said } = capturedLog();
  const outbox = await openOutbox(copy, log);
  return { outbox, said, dir: copy };
}

/** A folder whose outbox held `count` messages from `from` on and stopped cleanly (a snapshot taken at the stop). */
async function snapshotted(dir: string, from: number, count: number): Promise<string[]> {
  const outbox = await openOutbox(dir, createLogger({ level: 'silent' }), { snapshotMinBytes: 1 });
  const ids = await fill(outbox, from, count);
  await outbox.close();
  return ids;
}

describe('outbox index snapshot', () => {
  it('a start reads the snapshot and the records after it, and builds what reading every record builds', async () => {
    const dir = stateDir();
    await snapshotted(dir, 0, 300);
    const file = join(dir, 'outbox', SNAPSHOT_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const { log, said } = capturedLog();
    // No snapshot of its own: the copies below must read the first one and the records after it.
    const second = await openOutbox(dir, log, { snapshotMinBytes: 1 << 30 });
    expect(said('outbox loaded from the index snapshot (')[0]?.['snapshotMessages']).toBe(second.counts().queued + second.counts().deferred + second.counts().dead);
    // More after the snapshot, some of it about messages the snapshot holds; then the folder as a kill -9 leaves it.
    const later = await fill(second, 300, 60);
    const [held] = second.list().filter((e) => e.state === 'deferred' && !later.includes(e.id));
    await second.markDead(held!.id, '554 given up');
    await second.requeue('all-dead');

    const fromSnapshot = await openCopy(dir, true);
    const fromJournal = await openCopy(dir, false);
    expect(fromSnapshot.said('outbox loaded from the index snapshot')[0]?.['records']).toBeGreaterThan(60);
    expect(fromJournal.said('outbox loaded from every journal record').length).toBe(1);
    expect(contents(fromSnapshot.outbox)).toEqual(contents(fromJournal.outbox));
    expect(contents(fromSnapshot.outbox)).toEqual(contents(second));
    expect(fromSnapshot.outbox.get(held!.id)).toMatchObject({ state: 'queued', attempts: 2 });
    // A key remembered in the snapshot still names its message; one of a dropped message does not.
    expect(await fromSnapshot.outbox.enqueue(message(5, 'key-5'), engine)).toMatchObject({ duplicate: true });
    for (const o of [fromSnapshot.outbox, fromJournal.outbox, second]) await o.close();
  });

  it('cuts a torn tail after the snapshot where its last whole record ends, and appends after it', async () => {
    const dir = stateDir();
    await snapshotted(dir, 0, 40);
    const again = await openOutbox(dir, createLogger({ level: 'silent' }), { snapshotMinBytes: 1 << 30 });
    await fill(again, 40, 10);
    const expected = contents(again);
    await again.close();
    // Half a record at the end, as a crash during a write leaves it (never acknowledged).
    const head = join(dir, 'outbox', 'journal-00000001.log');
    const bytes = readFileSync(head);
    writeFileSync(head, Buffer.concat([bytes, bytes.subarray(0, 30)]));
    const { log, said } = capturedLog();
    const torn = await openOutbox(dir, log, { snapshotMinBytes: 1 << 30 });
    expect(said('torn tail of 30 bytes')[0]?.['snapshotMessages']).toBe(40 - 6 - 1);
    expect(contents(torn)).toEqual(expected);
    const { id } = await torn.enqueue(message(99), engine);
    await torn.close();
    const last = await openOutbox(dir, createLogger({ level: 'silent' }));
    expect(last.get(id)).toMatchObject({ subject: 'm99', state: 'queued' });
    expect(last.list().length).toBe(expected.entries.length + 1);
    await last.close();
  });

  it('leaves out a send in flight: after a start from it the message is due again', async () => {
    const dir = stateDir();
    const first = await openOutbox(dir, createLogger({ level: 'silent' }), { snapshotMinBytes: 1 });
    const ids = await fill(first, 0, 30);
    first.markSending(ids[5]!, true);
    expect(first.due(Date.now(), 100).map((e) => e.id)).not.toContain(ids[5]);
    await first.close();
    const { log, said } = capturedLog();
    const again = await openOutbox(dir, log);
    expect(said('outbox loaded from the index snapshot').length).toBe(1);
    expect(again.get(ids[5]!)).toMatchObject({ sending: false, state: 'queued' });
    expect(again.due(Date.now(), 100).map((e) => e.id)).toContain(ids[5]);
    await again.close();
  });

  it('is not taken after a journal write failed (memory may hold what the journal does not), and the start reads the journal', async () => {
    if (needsRoot('mount a small tmpfs')) return void console.warn('skipped: needs root to mount a small tmpfs');
    const dir = stateDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir]);
    try {
      const { log, said } = capturedLog();
      const outbox = await openOutbox(dir, log, { snapshotMinBytes: 1 });
      const ids = await fill(outbox, 0, 20);
      const queued = outbox.list().find((e) => e.state === 'queued')!.id;
      // The disk full, then an outcome that cannot be written: applied in memory, not in the journal.
      writeFileSync(join(dir, 'filler'), Buffer.alloc(0));
      for (let n = 0; ; n++) {
        try {
          appendFileSync(join(dir, 'filler'), Buffer.alloc(64 * 1024));
        } catch {
          break;
        }
      }
      // A long error text: the record needs pages the full disk no longer has (a short one may fit in the file's last page).
      await expect(outbox.markDeferred(queued, `451 later ${'x'.repeat(20_000)}`, Date.now() + 60_000)).rejects.toMatchObject({ code: 'AM_OUTBOX_UNAVAILABLE' });
      expect(outbox.get(queued)?.state).toBe('deferred');
      rmSync(join(dir, 'filler'));
      await outbox.close();
      expect(existsSync(join(dir, 'outbox', SNAPSHOT_FILE))).toBe(false);
      expect(said('outbox index snapshot written')).toEqual([]);
      const again = await openOutbox(dir, createLogger({ level: 'silent' }));
      expect(again.get(queued)?.state).toBe('queued');
      expect(again.list().length).toBe(ids.length - 3 - 1);
      await again.close();
    } finally {
      execFileSync('umount', ['-l', dir]);
    }
  });

  it('is taken once the outbox has been quiet, and a start after a kill -9 uses it', async () => {
    const dir = stateDir();
    const { log, said } = capturedLog();
    const outbox = await openOutbox(dir, log, { snapshotMinBytes: 1 });
    await fill(outbox, 0, 100);
    await eventually(() => (said('outbox index snapshot written').length > 0 ? true : undefined), 10_000, 'a snapshot once quiet');
    expect(said('outbox index snapshot written')[0]).toMatchObject({ messages: outbox.list().length });
    await fill(outbox, 100, 20);
    const copy = await openCopy(dir, true);
    expect(copy.said('outbox loaded from the index snapshot').length).toBe(1);
    expect(contents(copy.outbox)).toEqual(contents(outbox));
    await copy.outbox.close();
    await outbox.close();
  });

  it('is not used when damaged or cut short, or when it was taken of another journal: the start reads every record', async () => {
    const dir = stateDir();
    await snapshotted(dir, 0, 50);
    const file = join(dir, 'outbox', SNAPSHOT_FILE);
    const good = readFileSync(file);
    const reference = await openCopy(dir, false);
    const cases: Array<[string, Buffer | null, string]> = [
      ['a byte changed', Buffer.from(good.map((b, i) => (i === 100 ? b ^ 0x20 : b))), 'fails its CRC'],
      ['cut short', good.subarray(0, good.length - 40), 'has no trailer this version can read'],
      ['empty', Buffer.alloc(0), 'has no trailer this version can read'],
    ];
    for (const [what, bytes, why] of cases) {
      writeFileSync(file, bytes!);
      const copy = await openCopy(dir, true);
      expect(copy.said(why).length, what).toBe(1);
      expect(copy.said('outbox loaded from every journal record').length, what).toBe(1);
      expect(contents(copy.outbox), what).toEqual(contents(reference.outbox));
      await copy.outbox.close();
    }
    // Another folder's snapshot: its journal's bytes before the position are not these.
    const other = stateDir();
    await snapshotted(other, 1000, 50);
    cpSync(join(other, 'outbox', SNAPSHOT_FILE), file);
    chmodSync(file, 0o600);
    const foreign = await openCopy(dir, true);
    expect(foreign.said('was taken of another journal').length).toBe(1);
    expect(contents(foreign.outbox)).toEqual(contents(reference.outbox));
    for (const o of [foreign.outbox, reference.outbox]) await o.close();
  });

  it('is not used when its CRC holds but it does not describe an index: the start reads every record', async () => {
    const dir = stateDir();
    await snapshotted(dir, 0, 20);
    const file = join(dir, 'outbox', SNAPSHOT_FILE);
    const good = readFileSync(file);
    const trailerStart = good.length - 4 - good.readUInt32LE(good.length - 4);
    const trailer = JSON.parse(good.toString('utf8', trailerStart, good.length - 4)) as Record<string, number>;
    // The strings with one id fewer than the columns have values, and a CRC and trailer to match.
    const strings = JSON.parse(good.toString('utf8', 0, trailer['strings'])) as { ids: string[] };
    strings.ids.pop();
    const text = Buffer.from(JSON.stringify(strings));
    const body = Buffer.concat([text, good.subarray(trailer['strings'], trailerStart)]);
    const forged = Buffer.from(JSON.stringify({ ...trailer, strings: text.length, crc: crc32(body) }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(forged.length);
    writeFileSync(file, Buffer.concat([body, forged, length]));
    const { log, said } = capturedLog();
    const after = await openOutbox(dir, log);
    expect(said('cannot be read although its CRC holds (columns of unequal length)').length).toBe(1);
    expect(said('outbox loaded from every journal record').length).toBe(1);
    expect(after.list().length).toBe(20 - 3 - 1);
    await after.close();
  });
});
