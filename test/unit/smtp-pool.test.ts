/**
 * The SMTP worker's connection pool against real servers on loopback (smtp-server with STARTTLS
 * and AUTH): connections bounded and
 * reused, a refused message that leaves its session usable, one more try on a new connection for
 * a message whose reused session had ended before it went out (and none after), and what becomes
 * of sends when the pool closes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpPool, type SmtpPool } from '../../src/relay/smtp-pool.js';
import { smtpOptions } from '../../src/relay/transport-options.js';
import type { MailServerSettings } from '../../src/settings/schema.js';
import { eventually } from '../helpers/daemon.js';
import { mailServerOn, startRawSmtp, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

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

/** A connection is back in the pool a tick after its reply (its own bookkeeping first): the next send reuses it. */
const idleAgain = () => new Promise((resolve) => setImmediate(resolve));

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

  it('a message whose reused session turns out ended (421 to MAIL) goes once more, on a new connection; that one\'s failure is its outcome', async () => {
    // Only the server's very first MAIL is taken: every later one is answered 421.
    const sessions: string[] = [];
    const server = await startSmtpSink({
      extra: {
        onMailFrom(_address, session, callback) {
          sessions.push(session.id);
          callback(sessions.length === 1 ? undefined : Object.assign(new Error('4.4.2 closing this session'), { responseCode: 421 }));
        },
      },
    });
    cleanups.push(() => server.close());
    const sending = pool(settings(server.port, server.caPem), 2);
    await sending.send(envelope, message('one'));
    await idleAgain();
    await expect(sending.send(envelope, message('two'))).rejects.toMatchObject({ responseCode: 421 });
    // The reused session, then one new one: not the other idle session, and not a third try.
    expect(sessions).toHaveLength(3);
    expect(sessions[1]).toBe(sessions[0]);
    expect(new Set(sessions).size).toBe(2);
  });

  it('a reused connection that drops after the message went out is not tried again: the main thread decides', async () => {
    // The second message of a session is read to its final dot, then the connection is cut.
    const stored: string[] = [];
    const server = await startRawSmtp((socket, count, subject) => {
      stored.push(subject);
      if (count === 1) socket.write('250 2.0.0 queued\r\n');
      else socket.destroy();
    });
    cleanups.push(() => server.close());
    const sending = pool(mailServerOn(server.port), 1);
    await sending.send(envelope, message('one'));
    await idleAgain();
    await expect(sending.send(envelope, message('two'))).rejects.toMatchObject({ code: 'ECONNECTION' });
    expect(stored).toEqual(['one', 'two']);
  });

  it('closed: a send in progress finishes, the waiting ones and any later fail with ECLOSED', async () => {
    const server = await sink();
    const sending = pool(settings(server.port, server.caPem), 1);
    await sending.send(envelope, message('before'));
    await idleAgain();
    // b takes the idle connection at once, c waits for it.
    const [b, c] = [sending.send(envelope, message('during')), sending.send(envelope, message('waiting'))];
    sending.close();
    const outcomes = await Promise.allSettled([b, c]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : 'sent'))).toEqual(['sent', 'ECLOSED']);
    await expect(sending.send(envelope, message('late'))).rejects.toMatchObject({ code: 'ECLOSED' });
    expect(server.received.map((m) => /Subject: (\w+)/.exec(m.raw)?.[1])).toEqual(['before', 'during']);
  });

  it('closed while its connection is still being made: the message fails with ECLOSED and is not sent', async () => {
    const closedSessions: string[] = [];
    const server = await startSmtpSink({ extra: { onClose: (session) => void closedSessions.push(session.id) } });
    cleanups.push(() => server.close());
    const sending = pool(settings(server.port, server.caPem), 1);
    const early = sending.send(envelope, message('early'));
    sending.close();
    await expect(early).rejects.toMatchObject({ code: 'ECLOSED' });
    // The connection still completes its handshake, then says QUIT without a message.
    await eventually(() => (closedSessions.length === 1 ? true : undefined), 10_000, 'the session to end');
    expect(server.received).toEqual([]);
  });

  it('with a username set, a server that offers no AUTH gets the message without AUTH, as before', async () => {
    const server = await sink();
    const sending = pool({ ...settings(server.port, server.caPem), username: 'alerts', password: 'unused-Pa55' }, 1);
    await sending.send(envelope, message('plain'));
    expect(server.received).toHaveLength(1);
    expect(server.auths).toEqual([]);
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
