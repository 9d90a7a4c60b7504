// An emulated network link for the benches: a TCP relay on 127.0.0.1 that holds every chunk for `oneWayMs`
// in each direction before passing it on, in order. WebSocket upgrades, frames and closes all cross it, so a
// request/answer pair costs one round trip (2 × oneWayMs). The TCP handshake itself is not delayed (the
// client connects to the relay on loopback): cold connections over a real link cost one more round trip
// (and TLS one or two more), so the cold figures measured through it are a lower bound.
import net from 'node:net';

/** Starts the relay in front of `target` (`{ host, port }`); resolves to `{ port, close() }`. */
export async function startDelayLink(target, oneWayMs) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const pipe = (from, to) => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs));
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
      from.on('close', () => setTimeout(() => to.destroy(), oneWayMs));
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
