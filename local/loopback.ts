// Every local server (API, stand-ins, simulators) listens on 127.0.0.1 only, and closes without
// waiting for keep-alive sockets or requests a fault left hanging.
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** Listens on 127.0.0.1 (port 0 = any free port); resolves with the origin, e.g. http://127.0.0.1:4010. */
export function listenOnLoopback(server: NetServer, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
