import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackOnly } from '../http/loopback.js';
import type { AwsEndpoint } from './aws-endpoint.js';

export interface ListenOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 4566 */
  port?: number;
}

/** Opens the TCP listener for an AwsEndpoint (the only place this area touches a socket). */
export function listenAwsEndpoint(
  endpoint: AwsEndpoint,
  { host = '127.0.0.1', port = 4566 }: ListenOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  // Loopback names only: through DNS rebinding a web page could otherwise create
  // certificates and read their keys here.
  const server = createServer(loopbackOnly(host, (req, res) => endpoint.handle(req, res)));
  // SDK clients keep sockets alive; close() must not wait for them to time out.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: bound } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${bound}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
