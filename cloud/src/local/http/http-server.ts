import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackOnly } from './loopback.js';

export type HttpRouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

type LogFn = (obj: object, msg?: string) => void;

export interface HttpServerOptions {
  logger: { warn: LogFn; error: LogFn };
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>smartdoor local cloud</title></head>
<body><h1>smartdoor local cloud</h1><p>The local cloud is running. The dashboard is not mounted.</p></body></html>
`;

/**
 * The local cloud's HTTP port for people (dashboard, /metrics, health). Parts register
 * exact method + path routes; until the dashboard registers `/`, a minimal page answers.
 * `/healthz` answers 200 for scripts waiting on the cloud.
 */
export class LocalHttpServer {
  readonly #routes = new Map<string, HttpRouteHandler>();
  readonly #opts: HttpServerOptions;
  #server: Server | undefined;

  constructor(options: HttpServerOptions) {
    this.#opts = options;
  }

  /** Add or replace the handler of `METHOD /path` (exact path, query ignored). */
  registerHttpRoute(method: string, path: string, handler: HttpRouteHandler): void {
    this.#routes.set(`${method.toUpperCase()} ${path}`, handler);
  }

  /** Remove a route; the placeholder answers `/` again when the dashboard's `/` is removed. */
  removeHttpRoute(method: string, path: string): void {
    this.#routes.delete(`${method.toUpperCase()} ${path}`);
  }

  /** The request handler, for tests that bring their own server. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = this.#routes.get(`${req.method ?? 'GET'} ${path}`);
    if (handler) {
      Promise.resolve()
        .then(() => handler(req, res))
        .catch((err: unknown) => {
          this.#opts.logger.error({ err, path }, 'http route failed');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'internal error' }));
        });
      return;
    }
    if (req.method === 'GET' && path === '/') send(res, 200, 'text/html; charset=utf-8', PLACEHOLDER);
    else if (req.method === 'GET' && path === '/healthz') send(res, 200, 'application/json', '{"ok":true}');
    else
      send(res, 404, 'application/json', JSON.stringify({ message: `no route for ${req.method} ${path}` }));
  };

  async listen(host: string, port: number): Promise<{ url: string; port: number }> {
    // Loopback names only: through DNS rebinding a web page could otherwise read the
    // dashboard and drive its buttons.
    const server = createServer(loopbackOnly(host, this.handle));
    // Browsers keep SSE and keep-alive sockets open; stop() must not wait for them.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const bound = (server.address() as AddressInfo).port;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, port: bound };
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}
