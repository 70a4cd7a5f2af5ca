import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test HTTP server that records webhook deliveries; `status` sets what it answers. */
export interface WebhookReceiver {
  url: string;
  calls: Array<{ headers: IncomingHttpHeaders; body: string; answered: number }>;
  /** Answer with this status (default 200); 0 destroys the socket without an answer. */
  status: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const state = { calls: [] as WebhookReceiver['calls'], status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.calls.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: state.status,
      });
      if (state.status === 0) {
        req.socket.destroy();
        return;
      }
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/smartdoor`,
    get calls() {
      return state.calls;
    },
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
