/**
 * The metrics endpoint's config rules (off unless set, loopback unless the operator opts in) and
 * the SMTP failure classes as nodemailer reports them. The classes against real servers, and
 * every metric moving, are in test/integration/metrics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors/registry.js';
import { smtpFailureClass } from '../../src/relay/failure-class.js';

const config = (metrics: unknown) => JSON.stringify({ node: { name: 'n', role: 'primary' }, mailServer: { enabled: false }, metrics });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as AppError).code;
  }
  return undefined;
}

describe('metrics.listen', () => {
  it('is off unless set, and accepts loopback addresses and port 0', () => {
    expect(parseConfig(config(undefined), '/c.json').metrics).toEqual({ listen: null, allowNonLoopback: false });
    for (const listen of ['127.0.0.1:9465', '[::1]:9465', 'localhost:0']) {
      expect(parseConfig(config({ listen }), '/c.json').metrics.listen).toBe(listen);
    }
  });

  it('refuses a non-loopback address unless allowNonLoopback says so', () => {
    expect(codeOf(() => parseConfig(config({ listen: '0.0.0.0:9465' }), '/c.json'))).toBe('AM_CONFIG_INVALID');
    expect(() => parseConfig(config({ listen: '10.0.0.5:9465' }), '/c.json')).toThrow(/metrics\.listen: '10\.0\.0\.5' is not a loopback address.*metrics\.allowNonLoopback/);
    expect(parseConfig(config({ listen: '0.0.0.0:9465', allowNonLoopback: true }), '/c.json').metrics.listen).toBe('0.0.0.0:9465');
  });

  it('refuses unknown keys in the section', () => {
    expect(codeOf(() => parseConfig(config({ listen: '127.0.0.1:9465', path: '/m' }), '/c.json'))).toBe('AM_CONFIG_INVALID');
  });
});

describe('smtpFailureClass', () => {
  it.each([
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'connect'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'connect'],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.example.invalid' }, 'connect'],
    [{ code: 'ETLS', message: 'Error upgrading connection with STARTTLS: 502 5.5.2 Error: command not recognized', responseCode: 502 }, 'tls'],
    [{ code: 'ESOCKET', message: 'self-signed certificate in certificate chain' }, 'tls'],
    [{ code: 'EAUTH', message: 'Invalid login: 535 Invalid username or password', responseCode: 535 }, 'auth'],
    [{ code: 'EPROTOCOL', message: 'Invalid greeting. response=421 Service not available', responseCode: 421 }, '4xx'],
    [{ code: 'EENVELOPE', message: 'Recipient command failed: 450 mailbox busy', responseCode: 450 }, '4xx'],
    [{ code: 'EENVELOPE', message: 'Recipient command failed: 550 no such user', responseCode: 550 }, '5xx'],
    [{ code: 'EMESSAGE', message: 'Message failed: 552 too big', responseCode: 552 }, '5xx'],
    [{ code: 'EWORKER', message: 'the SMTP worker stopped' }, 'other'],
  ])('%o is %s', (err, expected) => {
    expect(smtpFailureClass(err)).toBe(expected);
  });
});
