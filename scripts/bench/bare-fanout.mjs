// Baseline of the fan-out benchmark: a bare grpc-js server that pushes the same payload to N
// TLS streams, and clients (one channel each, as secondaries have) that answer every message on
// their stream, as secondaries report on their Session (the same method, with no code of ours on
// either side). `node bare-fanout.mjs server` or `node bare-fanout.mjs clients PORT N`.
import * as grpc from '@grpc/grpc-js';
import { federationProto } from '../../dist/federation/proto.js';
import { pinnedCredentials, certificateSha256 } from '../../dist/federation/certificate.js';
import { SECONDARY_CHANNEL_OPTIONS } from '../../dist/federation/secondary-channel.js';
import { spreadLoopbackSources } from './local-address.mjs';

const mode = process.argv[2];
const { cert, key } = JSON.parse(process.env.BARE_CERTS);

const payload = {
  version: '1',
  mail_server: { enabled: true, host: 'smtp.example.com', port: 587, sender: 'alerts@example.com', username: 'mailer', password: 'bench-password', tls: true, ca_pem: '' },
  recipients: ['ops@example.com', 'oncall@example.com'],
  primary_name: 'bench-primary',
};

if (mode === 'server') {
  const streams = new Set();
  const server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.http2.min_ping_interval_without_data_ms': 5000 });
  server.addService(federationProto.Federation.service, {
    Join: (_call, cb) => cb(null, { credential: 'x', primary_name: 'bare' }),
    Session: (call) => {
      streams.add(call);
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      call.on('cancelled', () => streams.delete(call));
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }], false), (err, port) => {
    if (err) throw err;
    process.send({ port });
  });
  let version = 1;
  process.on('message', (msg) => {
    if (msg.push) {
      const at = Date.now();
      version++;
      for (const call of streams) call.write({ ...payload, version: String(version) });
      process.send({ pushed: at, streams: streams.size });
    }
    if (msg.count) process.send({ streams: streams.size, rssMb: process.memoryUsage.rss() / 2 ** 20 });
    if (msg.exit) process.exit(0);
  });
} else {
  spreadLoopbackSources(Number(process.env.FLEET_SOURCE_BLOCK), 20);
  const port = Number(process.argv[3]);
  const n = Number(process.argv[4]);
  const creds = pinnedCredentials(cert, certificateSha256(cert));
  // A connection of its own for each client, as each secondary has: grpc-js's process-wide
  // subchannel pool would otherwise carry every client of this process (same target, options and
  // credentials) on one TLS connection, and the server would hold 40 connections for 1,000 streams.
  // The secondaries' channel options otherwise (keepalive, reconnect pacing: grpc-js's own backoff
  // reaches 2 minutes, which 2,000 simultaneous handshakes can make a client wait).
  const options = { ...SECONDARY_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 };
  for (let i = 0; i < n; i++) {
    const client = new federationProto.Federation(`127.0.0.1:${port}`, creds, options);
    // Made while the channel connects; waitForReady keeps a first failed handshake in a storm of
    // 2,000 from failing the call at once (a secondary's loop would open it again; this has none).
    const stream = client.Session(new grpc.Metadata(), { waitForReady: true });
    stream.write({ watch: { mode: 'centralized', last_applied_version: '0' } });
    stream.on('data', (update) => {
      const at = Date.now();
      stream.write({ report: { version: update.version, stage: 'applied', error: '' } });
      process.send({ received: at });
    });
    stream.on('error', () => undefined);
  }
  process.send({ started: n });
}
