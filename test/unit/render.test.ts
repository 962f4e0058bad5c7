/**
 * The stored message, read back by an independent parser: Python's email package (policy
 * "default", RFC 5322/6532) decodes every header and part of what renderMessage wrote, for
 * hand-picked hard cases and a few hundred generated ones.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderMessage, type RenderInput } from '../../src/relay/render.js';
import { missingTool } from '../helpers/tools.js';

const PARSE = String.raw`
import json, sys, email
from email import policy
out = []
for raw in json.load(sys.stdin):
    data = bytes.fromhex(raw)
    msg = email.message_from_bytes(data, policy=policy.default)
    parts = [msg] if not msg.is_multipart() else list(msg.iter_parts())
    out.append({
        "subject": str(msg["Subject"]),
        "to": [a.addr_spec for a in msg["To"].addresses],
        "messageId": str(msg["Message-ID"]),
        "date": msg["Date"].datetime.timestamp(),
        "autoSubmitted": str(msg["Auto-Submitted"]),
        "type": msg.get_content_type(),
        "parts": [{"type": p.get_content_type(), "content": p.get_content()} for p in parts],
        "defects": [repr(d) for p in [msg, *parts] for d in p.defects],
        "headerLines": [len(l) for l in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")],
        "lines": [len(l) for l in data.split(b"\r\n")],
        "bareLf": data.replace(b"\r\n", b"").count(b"\n") + data.replace(b"\r\n", b"").count(b"\r"),
    })
print(json.dumps(out))
`;

interface Parsed {
  subject: string;
  to: string[];
  messageId: string;
  date: number;
  autoSubmitted: string;
  type: string;
  parts: Array<{ type: string; content: string }>;
  defects: string[];
  headerLines: number[];
  lines: number[];
  bareLf: number;
}

function parse(messages: Buffer[]): Parsed[] {
  const run = spawnSync('python3', ['-c', PARSE], { input: JSON.stringify(messages.map((m) => m.toString('hex'))), maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as Parsed[];
}

/** A small seeded generator: the same cases every run, so a failure can be reproduced. */
function generator(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pieces = ['a', 'Z', ' ', '  ', '\t', '=', '=?', '?=', '.', '\n', '\r\n', '\r', 'ü', 'é', '—', '日本', '😀', '=3D', 'x'.repeat(80), 'From ', '--', '=_am-'];
  return (length: number) => Array.from({ length: Math.floor(next() * length) + 1 }, () => pieces[Math.floor(next() * pieces.length)]).join('');
}

const input = (over: Partial<RenderInput>): RenderInput => ({ id: 'mcase0001-0123456789', to: ['ops@example.com'], subject: 'Disk full', text: 'hello\n', html: null, createdAt: Date.UTC(2026, 11, 4, 2, 0, 0), domain: 'vm.example.com', ...over });
const lf = (s: string) => s.replace(/\r\n|\r/g, '\n');

const HARD: RenderInput[] = [
  input({}),
  input({ text: null, html: '<p>only html</p>' }),
  input({ text: 'plain part\n', html: '<p>html part</p>\n' }),
  input({ subject: 'Festplatte voll auf Größe — ünïcode 日本語 😀 and a long tail of words to force several encoded words in a row', text: 'wörld\n' }),
  input({ subject: `${'word '.repeat(60)}end`, text: 'x' }),
  input({ subject: 'looks =?UTF-8?B?aGk=?= encoded', text: 'x' }),
  input({ subject: 'a  b   c', text: 'spaces kept' }),
  input({ text: `${'y'.repeat(2000)}\nshort\n` }),
  input({ text: 'trailing space \ntrailing tab\t\n= equals =3D\n.\n..\nFrom here\n' }),
  input({ text: 'no newline at the end' }),
  input({ text: 'cr\ronly\r\nand crlf\nand lf' }),
  input({ text: 'the boundary =_am-mcase0001-0123456789 is in the text', html: '<b>and =_am-mcase0001-0123456789_ here</b>' }),
  input({ to: Array.from({ length: 12 }, (_, i) => `recipient-number-${i}@example.com`) }),
];

describe.skipIf(missingTool('python3', 'python3'))('renderMessage, read by Python’s email parser', () => {
  const generate = generator(20261204);
  const generated = Array.from({ length: 300 }, (_, i) =>
    input({ id: `gen${i}-abcdef`, subject: generate(12).replace(/[\r\n]/g, ' '), text: i % 3 === 2 ? null : generate(40), html: i % 3 === 0 ? null : `<p>${generate(30)}</p>` }),
  );
  const cases = [...HARD, ...generated];
  const parsed = parse(cases.map(renderMessage));

  it('gives back every header and part as given, with no defect', () => {
    cases.forEach((c, i) => {
      const p = parsed[i]!;
      const where = `case ${i}: ${JSON.stringify(c).slice(0, 200)}`;
      expect(p.defects, where).toEqual([]);
      expect(p.subject, where).toBe(c.subject);
      expect(p.to, where).toEqual(c.to);
      expect(p.messageId, where).toBe(`<${c.id}@${c.domain}>`);
      expect(p.date * 1000, where).toBe(c.createdAt);
      expect(p.autoSubmitted, where).toBe('auto-generated');
      const want = [c.text !== null ? { type: 'text/plain', content: lf(c.text) } : null, c.html !== null ? { type: 'text/html', content: lf(c.html) } : null].filter((x) => x !== null);
      expect(p.type, where).toBe(want.length === 2 ? 'multipart/alternative' : want[0]!.type);
      expect(p.parts.map((part) => ({ type: part.type, content: lf(part.content) })), where).toEqual(want);
    });
  });

  it('writes CRLF only, header lines within 78 characters where a space allows, every line within 998 bytes', () => {
    parsed.forEach((p, i) => {
      expect(p.bareLf, `case ${i}`).toBe(0);
      expect(Math.max(...p.lines), `case ${i}`).toBeLessThanOrEqual(998);
    });
    // The first hard cases have no word longer than a line: every header line is short.
    for (const i of [0, 2, 3, 4, 12]) expect(Math.max(...parsed[i]!.headerLines), `case ${i}`).toBeLessThanOrEqual(78);
  });
});
