/**
 * Journals as version 0.1.0 wrote them, for the migration tests. `legacyFrame` is a verbatim copy
 * of that version's encoder (git show 6156f57:src/relay/journal.ts, `frame`): the tests must not
 * share code with the decoder they check.
 */
import { crc32 } from 'node:zlib';

const MAGIC = 0xa54d;
const HEADER_BYTES = 10;

export function legacyFrame(record: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(MAGIC, 0);
  header.writeUInt32BE(payload.length, 2);
  header.writeUInt32BE(crc32(payload), 6);
  return Buffer.concat([header, payload]);
}

/** Version 0.1.0's StoredMessage. */
export interface LegacyStoredMessage {
  id: string;
  kind: 'alert' | 'digest' | 'appliance' | 'test';
  to: string[];
  subject: string;
  text: string | null;
  html: string | null;
  createdAt: number;
  idempotencyKey: string | null;
}

export const legacyMessage = (id: string, fields: Partial<LegacyStoredMessage> = {}): LegacyStoredMessage => ({
  id,
  kind: 'alert',
  to: ['ops@example.com'],
  subject: `subject of ${id}`,
  text: `body of ${id}\n`,
  html: null,
  createdAt: Date.now() - 60_000,
  idempotencyKey: null,
  ...fields,
});

/** What the migration must find, by id, for the journal `exampleLegacyJournal` writes. */
export interface Expected {
  state: 'queued' | 'deferred' | 'dead';
  attempts: number;
  lastError: string;
  to: string[];
}

/**
 * Two files of records as the old daemon wrote them (its compaction started a new file), a torn
 * tail at the end of the last, and `fillers` more queued messages. Returns the files and what the
 * outbox must hold once they are migrated.
 */
export function exampleLegacyJournal(fillers = 0): { files: Record<string, Buffer>; expected: Map<string, Expected>; messages: Map<string, LegacyStoredMessage> } {
  const later = Date.now() + 3_600_000;
  const m = {
    queued: legacyMessage('00queued0-aaaaaaaaaa', { text: 'the alert text\nline two\n' }),
    deferred: legacyMessage('00deferr0-bbbbbbbbbb', { kind: 'digest', subject: 'Weekly digest', html: '<p>digest</p>' }),
    dead: legacyMessage('00deadle0-cccccccccc', { kind: 'appliance', to: ['ops@example.com', 'nobody@example.com'], subject: 'Update available' }),
    sent: legacyMessage('00sentms0-dddddddddd'),
    dropped: legacyMessage('00droppe0-eeeeeeeeee'),
    keyed: legacyMessage('00keyedm0-ffffffffff', { kind: 'test', idempotencyKey: 'legacy-key-1', text: null, html: '<b>only html</b>' }),
    requeued: legacyMessage('00requeu0-gggggggggg', { subject: 'Ünïcode subject ✓' }),
  };
  const first = [
    { t: 'enq', m: m.queued },
    { t: 'enq', m: m.deferred },
    { t: 'defer', id: m.deferred.id, attempts: 1, nextAt: later, error: '421 4.3.0 try again later' },
    { t: 'enq', m: m.dead },
    { t: 'enq', m: m.sent },
    { t: 'sent', id: m.sent.id, at: Date.now() },
    { t: 'enq', m: m.dropped },
    { t: 'enq', m: m.requeued },
    { t: 'dead', id: m.requeued.id, at: Date.now(), attempts: 3, error: '554 refused', to: m.requeued.to },
  ];
  const fill = Array.from({ length: fillers }, (_, i) => legacyMessage(`01filler0-${String(i).padStart(10, '0')}`, { kind: 'digest', subject: `filler ${i}` }));
  const second = [
    { t: 'defer', id: m.deferred.id, attempts: 2, nextAt: later, error: '421 4.3.0 still busy' },
    { t: 'dead', id: m.dead.id, at: Date.now(), attempts: 1, error: '550 5.1.1 <nobody@example.com>: no such user', to: ['nobody@example.com'] },
    { t: 'drop', id: m.dropped.id },
    { t: 'enq', m: m.keyed },
    { t: 'requeue', id: m.requeued.id, at: Date.now() },
    ...fill.map((f) => ({ t: 'enq', m: f })),
  ];
  const torn = legacyFrame({ t: 'enq', m: legacyMessage('99tornnn0-zzzzzzzzzz') }).subarray(0, 40);
  const files = {
    'journal-00000003.log': Buffer.concat(first.map(legacyFrame)),
    'journal-00000004.log': Buffer.concat([...second.map(legacyFrame), torn]),
  };
  const expected = new Map<string, Expected>([
    [m.queued.id, { state: 'queued', attempts: 0, lastError: '', to: m.queued.to }],
    [m.deferred.id, { state: 'deferred', attempts: 2, lastError: '421 4.3.0 still busy', to: m.deferred.to }],
    [m.dead.id, { state: 'dead', attempts: 1, lastError: '550 5.1.1 <nobody@example.com>: no such user', to: ['nobody@example.com'] }],
    [m.keyed.id, { state: 'queued', attempts: 0, lastError: '', to: m.keyed.to }],
    // 0.1.0 set the attempts back to 0 on a retry; its error stays as history.
    [m.requeued.id, { state: 'queued', attempts: 0, lastError: '554 refused', to: m.requeued.to }],
    ...fill.map((f): [string, Expected] => [f.id, { state: 'queued', attempts: 0, lastError: '', to: f.to }]),
  ]);
  const messages = new Map([...Object.values(m), ...fill].map((x) => [x.id, x]));
  return { files, expected, messages };
}
