// The benchmarks' SMTP sink: smtp-server with STARTTLS on loopback, in its own process so that
// it does not share a core's event loop with what is measured. Counts messages; tells its parent
// (IPC) when a count is reached, with the time.
import { SMTPServer } from 'smtp-server';

const { key, cert } = JSON.parse(process.argv[2]);
let count = 0;
let waiting = null;
const server = new SMTPServer({
  secure: false,
  key,
  cert,
  authOptional: true,
  disabledCommands: ['AUTH'],
  logger: false,
  closeTimeout: 500,
  size: 10 * 1024 * 1024,
  onData(stream, session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      count++;
      // The alert of the backlog benchmark: its arrival time, whatever else is arriving.
      if (session.envelope.rcptTo.some((r) => r.address === 'alert@example.com')) process.send({ alert: Date.now() });
      if (waiting !== null && count >= waiting) {
        process.send({ reached: count, at: Date.now() });
        waiting = null;
      }
      callback();
    });
  },
});
server.on('error', () => undefined);
process.on('message', (msg) => {
  if (msg.reset) count = 0;
  if (msg.expect !== undefined) {
    waiting = msg.expect;
    if (count >= waiting) {
      process.send({ reached: count, at: Date.now() });
      waiting = null;
    }
  }
  if (msg.count) process.send({ count });
  if (msg.close) server.close(() => process.exit(0));
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => process.send({ port: server.server.address().port }));
