import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frame, openJournal } from '../../src/relay/journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'am-journal-'));
  dirs.push(d);
  return d;
}
async function replay(d: string) {
  const records: unknown[] = [];
  const { journal, report } = await openJournal(d, (r) => records.push(r));
  return { journal, report, records };
}
const only = (d: string) => join(d, readdirSync(d).filter((f) => f.endsWith('.log'))[0]!);

describe('journal', () => {
  it('replays what was appended, in order, from a file of mode 0600', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append([{ n: i }])));
    await journal.close();
    expect(statSync(only(d)).mode & 0o777).toBe(0o600);
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records).toEqual(Array.from({ length: 100 }, (_, i) => ({ n: i })));
    expect(report).toEqual({ records: 100, damaged: [], tornTailBytes: 0 });
  });

  it('cuts a torn tail (a record half written at a crash) and keeps every whole record', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([{ n: 1 }, { n: 2 }]);
    await journal.close();
    const torn = frame({ n: 3, body: 'x'.repeat(100) }).subarray(0, 40);
    writeFileSync(only(d), Buffer.concat([readFileSync(only(d)), torn]));
    const again = await replay(d);
    expect(again.records).toEqual([{ n: 1 }, { n: 2 }]);
    expect(again.report.tornTailBytes).toBe(40);
    // The tail is gone, so new records follow whole ones.
    await again.journal.append([{ n: 4 }]);
    await again.journal.close();
    const last = await replay(d);
    await last.journal.close();
    expect(last.records).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  });

  it('skips a damaged record in the middle and keeps the records after it', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([{ n: 1 }, { n: 2, pad: 'abcdefgh' }, { n: 3 }]);
    await journal.close();
    const data = readFileSync(only(d));
    const second = frame({ n: 1 }).length + 14; // inside the payload of record 2
    data[second] = data[second]! ^ 0xff;
    writeFileSync(only(d), data);
    const { records, report, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records).toEqual([{ n: 1 }, { n: 3 }]);
    expect(report.damaged).toHaveLength(1);
    expect(report.damaged[0]).toMatchObject({ offset: frame({ n: 1 }).length });
  });

  it('a truncated file (cut in the middle) keeps the records before the cut', async () => {
    const d = dir();
    const { journal } = await replay(d);
    for (let i = 0; i < 50; i++) await journal.append([{ n: i }]);
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
    for (let i = 0; i < 5; i++) await journal.append([{ n: -1 }]);
    expect(journal.fsyncCount()).toBe(5);
    // 2000 at once: the first starts a sync; the others arrive while it runs and share the next.
    const started = performance.now();
    await Promise.all(Array.from({ length: 2000 }, (_, i) => journal.append([{ n: i }])));
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

  it('rewrites itself (compaction) to the live records, and appends after the rewrite land in the new file', async () => {
    const d = dir();
    const { journal } = await replay(d);
    await journal.append([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // As the outbox does: the snapshot holds what was acknowledged when it is taken.
    const acked = new Set<number>();
    const inFlight = journal.append([{ n: 5 }]).then(() => acked.add(5));
    const rewrite = journal.rewrite(() => [{ n: 2 }, ...[...acked].map((n) => ({ n }))]);
    const late = journal.append([{ n: 4 }]).then(() => acked.add(4));
    await Promise.all([inFlight, rewrite, late]);
    await journal.close();
    expect(readdirSync(d).filter((f) => f.endsWith('.log'))).toHaveLength(1);
    const { records, journal: reopened } = await replay(d);
    await reopened.close();
    expect(records[0]).toEqual({ n: 2 });
    expect(new Set(records.map((r) => (r as { n: number }).n))).toEqual(new Set([2, 4, 5]));
  });
});
