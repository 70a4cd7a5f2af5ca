import type { ServerResponse } from 'node:http';

/** The messages that bring a browser up to date (the snapshot), made when it is needed. */
export type CatchUp = () => Array<[string, unknown]>;

/** Bytes a browser may have waiting in its response before it counts as behind. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Server-Sent Events to every open dashboard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html): one `event:` name and
 * one JSON `data:` line per message. A slow browser does not hold up the others, nor the
 * cloud's memory: once more than `maxBuffered` bytes wait for it, its messages are dropped
 * until its buffer drains, and then it gets `catchUp()` (a fresh snapshot), whichever
 * message it fell behind on. (Not write()'s false: that only says the buffer passed its
 * 16 KiB mark, which one large message does to a quick browser.)
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly stale = new WeakSet<ServerResponse>();

  constructor(
    private readonly catchUp: CatchUp,
    private readonly maxBuffered = MAX_BUFFERED_BYTES,
  ) {}

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

  /**
   * Send to every client that is up to date. A client with more than `maxBuffered` bytes
   * waiting is behind from now on: it gets nothing more until it drains, then a fresh
   * snapshot.
   */
  broadcast(name: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(name, data);
    for (const res of this.clients) {
      if (this.stale.has(res)) continue;
      if (res.writableLength > this.maxBuffered) this.fellBehind(res);
      else res.write(text);
    }
  }

  /** Whether the client is behind (its messages dropped until it drains). */
  isBehind(res: ServerResponse): boolean {
    return this.stale.has(res);
  }

  /** A comment line keeps proxies and idle sockets from closing the stream. */
  ping(): void {
    for (const res of this.clients) if (!this.stale.has(res)) res.write(': ping\n\n');
  }

  closeAll(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private fellBehind(res: ServerResponse): void {
    this.stale.add(res);
    // Its buffer is past the 16 KiB mark, so a write said so: 'drain' comes when it empties.
    res.once('drain', () => this.resync(res));
  }

  private resync(res: ServerResponse): void {
    if (!this.clients.has(res)) return;
    // Made while the client is still marked behind: making it may flush pending messages
    // to the others, which the snapshot holds already.
    const messages = this.catchUp();
    this.stale.delete(res);
    for (const [name, data] of messages) res.write(frame(name, data));
  }
}

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
