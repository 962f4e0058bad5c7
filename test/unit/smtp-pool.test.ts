/**
 * The SMTP worker's connection pool against real servers on loopback (smtp-server with STARTTLS
 * and AUTH): connections bounded and
 * reused, a refused message that leaves its session usable, one more try on a new connection for
 * a message whose reused connection failed, and what becomes of sends when the pool closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpPool, type SmtpPool } from '../../src/relay/smtp-pool.js';
import { smtpOptions } from '../../src/relay/transport-options.js';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { mailServerOn, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const settings = (port: number, caPem: string | null): MailServerSettings => mailServerOn(port, { tls: true, caPem });

function pool(s: MailServerSettings, maxConnections: number): SmtpPool {
  const created = createSmtpPool({ ...smtpOptions(s), name: 'node.example.com' }, maxConnections);
  cleanups.push(() => created.close());
  return created;
}

const message = (subject: string) => Buffer.from(`From: engine@example.com\r\nTo: ops@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
const envelope = { from: 'engine@example.com', to: ['ops@example.com'] };

/** A sink that records the SMTP session of each message it took. */
async function sink(): Promise<SmtpSink & { sessions: string[] }> {
  const sessions: string[] = [];
  const started = await startSmtpSink({ extra: { onMailFrom: (_address, session, callback) => (sessions.push(session.id), callback()) } });
  cleanups.push(() => started.close());
  return Object.assign(started, { sessions });
}

describe('SMTP pool', () => {
  it('sends over at most maxConnections sessions, each reused, over STARTTLS', async () => {
    const server = await sink();
    const sending = pool(settings(server.port, server.caPem), 3);
    const infos = await Promise.all(Array.from({ length: 30 }, (_, i) => sending.send(envelope, message(`m${i}`))));
    expect(infos.every((info) => info.accepted.includes('ops@example.com'))).toBe(true);
    expect(server.received).toHaveLength(30);
    expect(server.received.every((m) => m.secure)).toBe(true);
    const distinct = new Set(server.sessions);
    expect(distinct.size).toBeLessThanOrEqual(3);
    expect(server.sessions.length / distinct.size).toBeGreaterThanOrEqual(10);
  });

  it('a refused recipient fails that message only; the session is reset and sends the next one', async () => {
    const server = await sink();
    server.onRcpt = (address) => (address === 'nobody@example.com' ? Object.assign(new Error('no such user'), { responseCode: 550 }) : null);
    const sending = pool(settings(server.port, server.caPem), 1);
    await sending.send(envelope, message('first'));
    await expect(sending.send({ from: envelope.from, to: ['nobody@example.com'] }, message('refused'))).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550 });
    const partial = await sending.send({ from: envelope.from, to: ['ops@example.com', 'nobody@example.com'] }, message('partial'));
    expect(partial).toMatchObject({ accepted: ['ops@example.com'], rejected: ['nobody@example.com'] });
    expect(partial.rejectedErrors?.[0]).toMatchObject({ responseCode: 550 });
    expect(new Set(server.sessions).size).toBe(1);
    expect(server.received.map((m) => /Subject: (\w+)/.exec(m.raw)?.[1])).toEqual(['first', 'partial']);
  });

  it('a message whose reused connection fails (421) goes once more on a new connection, not a third time', async () => {
    // Every MAIL after the first in a session is answered 421: the server ending a reused session.
    const mailsPerSession = new Map<string, number>();
    const server = await startSmtpSink({
      extra: {
        onMailFrom(_address, session, callback) {
          const seen = mailsPerSession.get(session.id) ?? 0;
          mailsPerSession.set(session.id, seen + 1);
          callback(seen === 0 ? undefined : Object.assign(new Error('4.4.2 closing this session'), { responseCode: 421 }));
        },
      },
    });
    cleanups.push(() => server.close());
    const sending = pool(settings(server.port, server.caPem), 1);
    await sending.send(envelope, message('one'));
    await sending.send(envelope, message('two'));
    expect([...mailsPerSession.values()]).toEqual([2, 1]);
    expect(server.received).toHaveLength(2);
    // A new connection's 421 is the outcome: tried on it once, not again.
    const once = await startSmtpSink({ extra: { onMailFrom: (_a, _s, callback) => callback(Object.assign(new Error('4.3.2 try later'), { responseCode: 421 })) } });
    cleanups.push(() => once.close());
    await expect(pool(settings(once.port, once.caPem), 1).send(envelope, message('three'))).rejects.toMatchObject({ responseCode: 421 });
  });

  it('closed: a send in progress finishes, the waiting ones and any later fail with ECLOSED', async () => {
    const server = await sink();
    const sending = pool(settings(server.port, server.caPem), 1);
    await sending.send(envelope, message('before'));
    // Once the connection is idle again (a tick after the reply), b takes it at once and c waits for it.
    await new Promise((resolve) => setImmediate(resolve));
    const [b, c] = [sending.send(envelope, message('during')), sending.send(envelope, message('waiting'))];
    sending.close();
    const outcomes = await Promise.allSettled([b, c]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'sent'))).toEqual(['sent', 'ECLOSED']);
    await expect(sending.send(envelope, message('late'))).rejects.toMatchObject({ code: 'ECLOSED' });
    expect(server.received.map((m) => /Subject: (\w+)/.exec(m.raw)?.[1])).toEqual(['before', 'during']);
  });

  it('a connection that cannot log in fails the message it was opened for with EAUTH', async () => {
    const server = await startSmtpSink({ users: { alerts: 'right-Pa55' } });
    cleanups.push(() => server.close());
    const sending = pool({ ...settings(server.port, server.caPem), username: 'alerts', password: 'wrong-Pa55' }, 2);
    await expect(sending.send(envelope, message('denied'))).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    const fixed = pool({ ...settings(server.port, server.caPem), username: 'alerts', password: 'right-Pa55' }, 2);
    await fixed.send(envelope, message('allowed'));
    expect(server.received.map((m) => m.user)).toEqual(['alerts']);
  });
});
