import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRecordLog } from '../../src/state/record-log.js';

interface Rec {
  n: number;
}
const parse = (json: unknown): { record: Rec } | { problem: string } =>
  typeof json === 'object' && json !== null && typeof (json as Rec).n === 'number' ? { record: json as Rec } : { problem: 'n must be a number' };

describe('the record log (a keyed file that grows by appending)', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'am-record-log-'));
    path = join(dir, 'records.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back what was appended, the last line of a key winning, removals included; the file is 0600', async () => {
    const first = await openRecordLog(path, parse);
    expect(first.records.size).toBe(0);
    await first.log.append([['a', { n: 1 }], ['b', { n: 2 }]]);
    await first.log.append([['a', { n: 3 }], ['b', null], ['__proto__', { n: 4 }]]);
    expect(first.log.lines()).toBe(5);
    await first.log.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await openRecordLog(path, parse);
    expect([...again.records]).toEqual([
      ['a', { n: 3 }],
      ['__proto__', { n: 4 }],
    ]);
    await again.log.close();
  });

  it('drops a torn last line (a batch cut short by a crash) and appends on a clean line after it', async () => {
    const first = await openRecordLog(path, parse);
    await first.log.append([['a', { n: 1 }]]);
    await first.log.close();
    await appendFile(path, '{"key":"b","record":{"n"');
    const again = await openRecordLog(path, parse);
    expect([...again.records]).toEqual([['a', { n: 1 }]]);
    await again.log.append([['c', { n: 3 }]]);
    await again.log.close();
    expect(await readFile(path, 'utf8')).toBe('{"key":"a","record":{"n":1}}\n{"key":"c","record":{"n":3}}\n');
  });

  it('refuses a damaged line before the end with AM_STATE_CORRUPT, its line number and not its text', async () => {
    await writeFile(path, '{"key":"a","record":{"n":1}}\n{"key":"b","record":{"n":"secret-hash"}}\n{"key":"c","record":{"n":3}}\n');
    const err = await openRecordLog(path, parse).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AM_STATE_CORRUPT' });
    expect((err as Error).message).toContain('line 2');
    expect((err as Error).message).not.toContain('secret-hash');
    await writeFile(path, 'not json\n');
    expect(await openRecordLog(path, parse).catch((e: unknown) => e)).toMatchObject({ code: 'AM_STATE_CORRUPT' });
  });

  it('compacts to one line per live record, and keeps appending after that', async () => {
    const { log } = await openRecordLog(path, parse);
    for (let i = 0; i < 10; i++) await log.append([['a', { n: i }], ['b', { n: -i }]]);
    expect(log.lines()).toBe(20);
    await log.compact(new Map([['a', { n: 9 }]]));
    expect(log.lines()).toBe(1);
    await log.append([['b', { n: 7 }]]);
    await log.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await openRecordLog(path, parse);
    expect([...again.records]).toEqual([
      ['a', { n: 9 }],
      ['b', { n: 7 }],
    ]);
    await again.log.close();
  });
});
