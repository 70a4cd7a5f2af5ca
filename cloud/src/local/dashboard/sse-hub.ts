import type { ServerResponse } from 'node:http';

/**
 * Server-Sent Events to every open dashboard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html): one `event:` name and
 * one JSON `data:` line per message. A slow browser does not hold up the others: when its
 * socket buffer is full its messages are dropped and it gets a fresh snapshot later.
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly stale = new WeakSet<ServerResponse>();

  get size(): number {
    return this.clients.size;
  }

  /** Take over a response as an event stream; `first` is written before anything else. */
  open(res: ServerResponse, first: Array<[string, unknown]>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Tell the browser to come back quickly after a cloud restart.
    res.write('retry: 1000\n\n');
    for (const [name, data] of first) res.write(frame(name, data));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Send to every client; returns the clients whose buffers were full (they need a snapshot). */
  broadcast(name: string, data: unknown): ServerResponse[] {
    if (this.clients.size === 0) return [];
    const text = frame(name, data);
    const behind: ServerResponse[] = [];
    for (const res of this.clients) {
      if (this.stale.has(res)) continue;
      if (!res.write(text)) {
        this.stale.add(res);
        behind.push(res);
        res.once('drain', () => this.stale.delete(res));
      }
    }
    return behind;
  }

  send(res: ServerResponse, name: string, data: unknown): void {
    res.write(frame(name, data));
  }

  /** A comment line keeps proxies and idle sockets from closing the stream. */
  ping(): void {
    for (const res of this.clients) res.write(': ping\n\n');
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
