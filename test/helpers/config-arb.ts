/**
 * Generated config files for the fuzz tests: a valid config with up to three mutations, each
 * a plausible value, a hostile one, a wrong type, a removal or an unknown key. About half of
 * them are valid, so both doors of the validator are exercised.
 */
import fc from 'fast-check';

const hostish = fc.oneof(
  fc.constantFrom('smtp.example.com', '127.0.0.1', '[::1]', '[2001:db8::1]:587', 'mail:25', 'a..b', '-x.com', '999.1.1.1', ':25', '[x]', 'host:0', 'host:65536', 'h\r\nx'),
  fc.string({ maxLength: 30 }),
);
const emailish = fc.oneof(fc.constantFrom('a@example.com', 'x@[192.0.2.1]', 'a@', '@b.com', 'a b@c.com', 'a@b\r\nBcc: c@d.com', ''), fc.emailAddress(), fc.string({ maxLength: 30 }));
const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());

export const VALID = {
  node: { name: 'appliance-1', role: 'primary', stateDir: '/var/lib/appliance-mail' },
  mailServer: { enabled: true, server: 'smtp.example.com:587', sender: 'alerts@example.com', username: 'u', password: 'p', tls: true },
  notifications: { recipients: 'a@example.com, b@example.com' },
  portal: { address: 'portal.example.com' },
  federation: { listen: '0.0.0.0:7443' },
  control: { socket: '/run/appliance-mail/control.sock', socketMode: '0660' },
  relay: { maxAge: '5d', maxMessageBytes: 1_000_000 },
  log: { level: 'info' },
};

/** Where a mutation lands, and what it may put there: plausible values, hostile ones, wrong types. */
const FIELDS: Array<[string[], fc.Arbitrary<unknown>]> = [
  [['node', 'name'], fc.oneof(fc.constantFrom('appliance-2', 'a b', ''), fc.string({ maxLength: 70 }))],
  [['node', 'role'], fc.oneof(fc.constantFrom('primary', 'secondary'), scalar)],
  [['mailServer', 'enabled'], fc.oneof(fc.boolean(), scalar)],
  [['mailServer', 'server'], fc.oneof(hostish, scalar)],
  [['mailServer', 'sender'], emailish],
  [['mailServer', 'username'], fc.oneof(fc.string({ maxLength: 20 }), scalar)],
  [['mailServer', 'password'], fc.oneof(fc.string({ maxLength: 20 }), scalar)],
  [['mailServer', 'tls'], fc.oneof(fc.boolean(), scalar)],
  [['notifications', 'recipients'], fc.oneof(fc.array(emailish, { maxLength: 4 }).map((a) => a.join(' , ')), fc.array(emailish, { maxLength: 4 }), scalar)],
  [['portal', 'address'], fc.oneof(hostish, fc.constantFrom('https://portal.example.com', 'ftp://x', 'http://[::1]:8080'))],
  [['federation', 'listen'], fc.oneof(hostish, fc.constant('127.0.0.1:7443'))],
  [['control', 'socketMode'], fc.oneof(fc.constantFrom('0660', '0600', '999'), scalar)],
  [['relay', 'maxAge'], fc.oneof(fc.constantFrom('5d', '12h', '30m', '5 days', '-1d'), scalar)],
  [['relay', 'maxMessageBytes'], fc.oneof(fc.integer(), scalar)],
  [['log', 'level'], fc.oneof(fc.constantFrom('info', 'debug', 'loud'), scalar)],
  [['mailServer', 'smtpHost'], scalar], // an unknown key
  [['extra'], scalar], // an unknown section
];

function mutationWithout(exclude: string[]) {
  const fields = FIELDS.filter(([path]) => !exclude.includes(path.join('.')));
  return fc.tuple(fc.integer({ min: 0, max: fields.length - 1 }), fc.boolean()).chain(([i, remove]) =>
    fields[i]![1].map((value) => ({ path: fields[i]![0], value, remove })),
  );
}
/** `exclude` leaves out fields by dotted path (e.g. restart-only ones in a live reload test). */
export const configArbWithout = (exclude: string[], base: object = VALID) =>
  fc.array(mutationWithout(exclude), { maxLength: 3 }).map((mutations) => {
    const config = structuredClone(base) as Record<string, any>;
    for (const { path, value, remove } of mutations) {
      let target = config;
      for (const key of path.slice(0, -1)) target = target[key] ??= {};
      if (remove) delete target[path.at(-1)!];
      else target[path.at(-1)!] = value;
    }
    return config;
  });

export const configArb = configArbWithout([]);
