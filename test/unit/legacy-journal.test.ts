import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frame, MAGIC } from '../../src/relay/journal.js';
import { isLegacyJournal, readLegacyMessage, replayLegacy } from '../../src/relay/legacy-journal.js';
import { legacyFrame, legacyMessage } from '../helpers/legacy-journal.js';
import { testDir } from '../helpers/test-dir.js';

function file(name: string, bytes: Buffer): string {
  const dir = testDir('am-legacy-');
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

describe('version 0.1.0 journal decoder', () => {
  it('skips a damaged record and keeps the ones after it, as the old reader did', async () => {
    const records = ['a', 'b', 'c'].map((id) => legacyFrame({ t: 'enq', m: legacyMessage(id, { text: 'x'.repeat(3000) }) }));
    // One byte of b's payload flipped: its CRC no longer matches.
    const damaged = records[1]!;
    damaged[500] = damaged[500]! ^ 0xff;
    const path = file('journal-00000001.log', Buffer.concat([...records, legacyFrame({ t: 'defer', id: 'c', attempts: 4, nextAt: 5, error: 'busy' })]));
    const replay = await replayLegacy([path]);
    expect([...replay.live.keys()]).toEqual(['a', 'c']);
    expect(replay.damagedBytes).toBe(records[1]!.length);
    expect(replay.live.get('c')).toMatchObject({ state: 'deferred', attempts: 4, nextAt: 5, error: 'busy' });
    const c = replay.live.get('c')!;
    expect((await readLegacyMessage(c.file, c.offset)).text).toBe('x'.repeat(3000));
  });

  it('tells an old file from a current one, even when the old one starts with damage', async () => {
    const old = legacyFrame({ t: 'enq', m: legacyMessage('a') });
    expect(await isLegacyJournal(file('journal-00000001.log', old), MAGIC)).toBe(true);
    expect(await isLegacyJournal(file('journal-00000001.log', Buffer.concat([Buffer.from('garbage'), old])), MAGIC)).toBe(true);
    expect(await isLegacyJournal(file('journal-00000001.log', frame({ t: 'sent', id: 'a' })), MAGIC)).toBe(false);
    expect(await isLegacyJournal(file('journal-00000001.log', Buffer.alloc(0)), MAGIC)).toBe(false);
  });
});
