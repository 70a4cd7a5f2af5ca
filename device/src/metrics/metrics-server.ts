import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AgentError } from '../core/errors.js';

/** The metrics endpoint could not listen where it was told to. */
export class MetricsServerError extends AgentError {
  override name = 'MetricsServerError';
}

export interface MetricsServerOptions {
  registry: Registry;
  /** @default '127.0.0.1': nothing off the device can read it unless configured so */
  host?: string;
  /** 0 picks a free port. @default 9464 */
  port?: number;
  logger?: Logger;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the registry in Prometheus text format at `GET /metrics`, and nothing else:
 * other paths get 404, other methods 405. A collector that throws gets a 500 and a log
 * line; the agent goes on. Rejects with a MetricsServerError naming the address when it
 * cannot listen there.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, logger } = opts;
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 9464;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: this server has only /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' })
        .end(`${req.method} not allowed\n`);
      return;
    }
    registry.metrics().then(
      (text) =>
        res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? '' : text),
      (err: Error) => {
        logger?.warn({ err: err.message }, 'metrics collection failed');
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics collection failed: ${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${shownHost}:${bound.port}/metrics`;
  logger?.info({ url }, 'metrics served');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper keeps its connection open between scrapes: do not wait for it.
        server.closeAllConnections();
      }),
  };
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): MetricsServerError {
  const where = `${host}:${port}`;
  const why =
    err.code === 'EADDRINUSE'
      ? `port ${port} is already in use on ${host}; choose another metrics.port (0 picks a free one)`
      : err.code === 'EACCES'
        ? `not allowed to listen on ${where} (ports under 1024 need privileges)`
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
          ? `${host} is not an address of this machine`
          : `cannot listen on ${where}: ${err.message}`;
  return new MetricsServerError(`metrics endpoint: ${why}`, { cause: err });
}
