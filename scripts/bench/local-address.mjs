// Simulated secondaries come from many loopback source addresses, as a fleet comes from many
// hosts: the primary's connection guard caps connections per peer address (64), and 1,000
// secondaries on 127.0.0.1 would hit it. grpc-js opens its TCP connections with net.connect
// (transport.js tcpConnect), so a bench process gives each new connection the next address of
// its block. Linux routes all of 127/8 to lo; nothing here leaves the machine.
import { createRequire } from 'node:module';

const net = createRequire(import.meta.url)('node:net');

/** Connections to 127.0.0.1 made by this process leave from 127.0.BLOCK.1 ... 127.0.BLOCK.COUNT in turn. */
export function spreadLoopbackSources(block, count) {
  if (!(block >= 1 && block <= 254 && count >= 1 && count <= 254)) throw new Error(`bad source block ${block}/${count}`);
  const connect = net.connect;
  let next = 0;
  net.connect = function (options, ...rest) {
    if (options && typeof options === 'object' && options.host === '127.0.0.1' && options.localAddress === undefined) {
      options = { ...options, localAddress: `127.0.${block}.${1 + (next++ % count)}` };
    }
    return connect.call(this, options, ...rest);
  };
}
