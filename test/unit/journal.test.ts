import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frame, openJournal, type BodyRef } from '../../src/relay/journal.js';
import { testDir } from '../helpers/test-dir.js';

const dir = () => testDir('am-journal-');
async function replay(d: string, options: { segmentBytes?: number } = {}) {
  const records: unknown[] = [];
  const bodies: Array<BodyRef | null> = [];
  const { journal, report } = await openJournal(
    d,
    (meta, body) => {
      records.push(meta);
      bodies.push(body);
    },
    options,
  );
  return { journal, report, records, bodies };
}
const logs = (d: string) => readdirSync(d).filter((f) => f.endsWith('.log')).sort();
const only = (d: string) => join(d, logs(d)[0]!);
const rec = (meta: unknown, body?: string) => ({ meta, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });

describe('journal', () => {
  it('replays what was appended, in order, from a file of mode 0600', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append([rec({ n: i })])));
    await journal.close();
    expect(statSync(only(d)).mode & 0o777).toBe(0o600);
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records).toEqual(Array.from({ length: 100 }, (_, i) => ({ n: i })));
    expect(report).toEqual({ records: 100, damaged: [], tornTailBytes: 0 });
  });

  it('keeps bodies apart from the index: replay hands out where each body is, readBody gets it back', async () => {
    const d = dir();
    const { journal } = await replay(d);
    const [a, none, b] = await journal.append([rec({ id: 'a' }, 'body of a'), rec({ id: 'x' }), rec({ id: 'b' }, 'B'.repeat(3_000_000))]);
    expect(none).toBeNull();
    expect((await journal.readBody(a!)).toString()).toBe('body of a');
    await journal.close();
    const again = await replay(d);
    expect(again.records).toEqual([{ id: 'a' }, { id: 'x' }, { id: 'b' }]);
    expect(again.bodies).toEqual([a, null, b]);
    // Room for a header line in front, filled by the caller: no second copy of the body.
    const withPrefix = await again.journal.readBody(again.bodies[2]!, 6);
    expect(withPrefix.length).toBe(6 + 3_000_000);
    expect(withPrefix.subarray(6).every((c) => c === 0x42)).toBe(true);
    await again.journal.close();
  });

  it('replays an index without reading the bodies of older segments (damage there is found when read)', async () => {
    const d = dir();
    const { journal } = await replay(d, { segmentBytes: 1000 });
    const [ref] = await journal.append([rec({ id: 'old' }, 'y'.repeat(5000))]);
    await journal.append([rec({ id: 'new' })]);
    await journal.close();
    expect(logs(d)).toHaveLength(2);
    const first = join(d, logs(d)[0]!);
    const data = readFileSync(first);
    data[ref!.offset + 10]! ^= 0xff; // inside the body only
    writeFileSync(first, data);
    const again = await replay(d, { segmentBytes: 1000 });
    expect(again.records).toEqual([{ id: 'old' }, { id: 'new' }]);
    expect(again.report.damaged).toEqual([]);
    await expect(again.journal.readBody(again.bodies[0]!)).rejects.toMatchObject({ code: 'AM_OUTBOX_CORRUPT' });
    await again.journal.close();
  });

  /** Replays `d`, counting what replay asks of the real files (FileHandle.read), not a stand-in. */
  async function countedReplay(d: string, segmentBytes: number) {
    const probe = await open(only(d));
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    const original = proto.read;
    const counted = { reads: 0, bytes: 0 };
    proto.read = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      counted.reads++;
      counted.bytes += result.bytesRead;
      return result;
    };
    try {
      const again = await replay(d, { segmentBytes });
      await again.journal.close();
      return { ...counted, records: again.records };
    } finally {
      proto.read = original;
    }
  }

  /** `count` messages with bodies of `bodyBytes` in a segment that is no longer the head. */
  async function olderSegment(count: number, bodyBytes: number): Promise<string> {
    const d = dir();
    const { journal } = await replay(d, { segmentBytes: 64 * 1024 * 1024 });
    const body = 'z'.repeat(bodyBytes);
    for (let i = 0; i < count; i += 100) await journal.append(Array.from({ length: Math.min(100, count - i) }, (_, k) => rec({ id: i + k }, body)));
    await journal.roll();
    await journal.append([rec({ id: 'new' })]);
    await journal.close();
    return d;
  }

  it('reads the heads of large messages in an older segment, not a window of each body', async () => {
    const d = await olderSegment(6, 2 * 1024 * 1024);
    const counted = await countedReplay(d, 64 * 1024 * 1024);
    expect(counted.records).toHaveLength(7);
    // A first window (1 MB) and a small read per head after it; a window per head read 6 MB.
    expect(counted.bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('reads small and middling messages a whole window at a time', async () => {
    const d = await olderSegment(4000, 4096);
    const counted = await countedReplay(d, 64 * 1024 * 1024);
    expect(counted.records).toHaveLength(4001);
    // 16 MB in 1 MB windows: about 17 reads (236 when each window's end counted as a jump).
    expect(counted.reads).toBeLessThan(40);
  });

  it('cuts a torn tail (a record half written at a crash) and keeps every whole record', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([rec({ n: 1 }), rec({ n: 2 }, 'two')]);
    await journal.close();
    const torn = frame(rec({ n: 3 }, 'x'.repeat(100))).subarray(0, 60);
    writeFileSync(only(d), Buffer.concat([readFileSync(only(d)), torn]));
    const again = await replay(d);
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }]);
    expect(again.report.tornTailBytes).toBe(60);
    // The tail is gone, so new records follow whole ones.
    await again.journal.append([rec({ n: 4 })]);
    await again.journal.close();
    const last = await replay(d);
    await last.journal.close();
    expect(last.records).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('cuts a last record whose body was not fully written (its head is whole)', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([rec({ n: 1 }, 'one')]);
    await journal.close();
    const whole = frame(rec({ n: 2 }, 'z'.repeat(500)));
    // The length was written, the body's blocks were not: zeros where the body should be.
    const zeroed = Buffer.concat([whole.subarray(0, whole.length - 500), Buffer.alloc(500)]);
    writeFileSync(only(d), Buffer.concat([readFileSync(only(d)), zeroed]));
    const again = await replay(d);
    await again.journal.close();
    expect(again.records).toEqual([{ n: 1 }]);
    expect(again.report.tornTailBytes).toBe(zeroed.length);
  });

  it('skips a damaged record in the middle and keeps the records after it', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([rec({ n: 1 }), rec({ n: 2, pad: 'abcdefgh' }), rec({ n: 3 })]);
    await journal.close();
    const data = readFileSync(only(d));
    const second = frame(rec({ n: 1 })).length + 22; // inside the meta of record 2
    data[second] = data[second]! ^ 0xff;
    writeFileSync(only(d), data);
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records).toEqual([{ n: 1 }, { n: 3 }]);
    expect(report.damaged).toHaveLength(1);
    expect(report.damaged[0]).toMatchObject({ offset: frame(rec({ n: 1 })).length });
  });

  it('skips a record whose meta was damaged into other valid JSON, or whose head lengths were, by its head CRC', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([rec({ n: 1 }), rec({ n: 2, pad: 'abcdefgh' }), rec({ n: 3 }, 'body three'), rec({ n: 4 })]);
    await journal.close();
    const data = readFileSync(only(d));
    const secondAt = frame(rec({ n: 1 })).length;
    const pad = data.indexOf('abcdefgh', secondAt);
    data[pad] = 'b'.charCodeAt(0); // still JSON: {"n":2,"pad":"bbcdefgh"}
    const thirdAt = secondAt + frame(rec({ n: 2, pad: 'abcdefgh' })).length;
    data[thirdAt + 9] = data[thirdAt + 9]! - 1; // its body length, one byte shorter
    writeFileSync(only(d), data);
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records).toEqual([{ n: 1 }, { n: 4 }]);
    // Two damaged records side by side: one stretch, up to the next intact record.
    const fourthAt = thirdAt + frame(rec({ n: 3 }, 'body three')).length;
    expect(report.damaged).toEqual([{ file: logs(d)[0], offset: secondAt, bytes: fourthAt - secondAt }]);
  });

  it('a truncated file (cut in the middle) keeps the records before the cut', async () => {
    const d = dir();
    const { journal } = await replay(d);
    for (let i = 0; i < 50; i++) await journal.append([rec({ n: i }, `body ${i}`)]);
    await journal.close();
    const data = readFileSync(only(d));
    writeFileSync(only(d), data.subarray(0, Math.floor(data.length / 2)));
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records.length).toBeGreaterThan(20);
    expect(records).toEqual(Array.from({ length: records.length }, (_, i) => ({ n: i })));
    expect(report.tornTailBytes).toBeGreaterThan(0);
  });

  it('groups concurrent appends into few fsyncs', async () => {
    const d = dir();
    const { journal } = await replay(d);
    // One after the other: each append waits for its own fdatasync.
    for (let i = 0; i < 5; i++) await journal.append([rec({ n: -1 })]);
    expect(journal.fsyncCount()).toBe(5);
    // 2000 at once: the first starts a sync; the others arrive while it runs and share the next.
    const started = performance.now();
    await Promise.all(Array.from({ length: 2000 }, (_, i) => journal.append([rec({ n: i }, `m${i}`)])));
    const ms = performance.now() - started;
    const grouped = journal.fsyncCount() - 5;
    await journal.close();
    expect(grouped).toBeGreaterThanOrEqual(1);
    expect(grouped).toBeLessThanOrEqual(2);
    const reopened = await replay(d);
    await reopened.journal.close();
    expect(reopened.records).toHaveLength(2005);
    console.log(`2000 concurrent appends in ${grouped} fdatasyncs, each acknowledged after its sync: ${ms.toFixed(0)} ms`);
  });

  it('starts a new segment once the head is full, rolls on demand, and deletes old segments but never the head', async () => {
    const d = dir();
    const { journal } = await replay(d, { segmentBytes: 200 });
    await journal.append([rec({ n: 1 }, 'x'.repeat(300))]);
    await journal.append([rec({ n: 2 })]);
    expect(journal.segments().map((s) => s.seq)).toEqual([1, 2]);
    await journal.roll();
    await journal.append([rec({ n: 3 })]);
    expect(journal.segments().map((s) => s.seq)).toEqual([1, 2, 3]);
    await journal.removeSegment(1);
    await journal.removeSegment(3); // the head: kept
    expect(logs(d)).toEqual(['journal-00000002.log', 'journal-00000003.log']);
    await journal.close();
    const again = await replay(d, { segmentBytes: 200 });
    await again.journal.close();
    expect(again.records).toEqual([{ n: 2 }, { n: 3 }]);
  });
  it('never reports its own roll or an old segment\'s deletion as the head being replaced or gone', async () => {
    // Found by the backlog bench (1,000 x 5 MB): a check that ran while the head rolled named the
    // new file with the old inode, and intake stopped with AM_STATE_LOST on a healthy disk.
    const d = dir();
    const { journal } = await replay(d, { segmentBytes: 100 });
    const verdicts: Array<string | null> = [];
    let writing = true;
    const checker = (async () => {
      while (writing) verdicts.push(await journal.checkIdentity());
    })();
    for (let n = 0; n < 300; n++) {
      await journal.append([rec({ n }, 'x'.repeat(150))]);
      const [oldest] = journal.segments();
      if (oldest && journal.segments().length > 2) await journal.removeSegment(oldest.seq);
    }
    writing = false;
    await checker;
    await journal.close();
    expect(verdicts.length).toBeGreaterThan(50);
    expect(verdicts.filter((v) => v !== null)).toEqual([]);
  });

  it('still reports a head replaced under it', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([rec({ n: 1 })]);
    const head = only(d);
    rmSync(head);
    writeFileSync(head, 'impostor');
    expect(await journal.checkIdentity()).toMatch(/was removed|replaced/);
    await journal.close();
  });
});
