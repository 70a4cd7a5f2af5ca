import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxyOptions {
  /** Where connections go. */
  upstream: { host: string; port: number };
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
}

/**
 * A TCP proxy we control, between the doors and the broker, to make network faults
 * (aedes tests do the same with toxiproxy): `cut()` drops every connection and refuses new
 * ones until `heal()`; `setUpstream()` points it at a restarted broker. TLS passes
 * through untouched, so doors still verify the broker's certificate end to end.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private upstream: { host: string; port: number };
  private cutOff = false;
  /** Connections accepted since start. */
  accepted = 0;
  /** Why the last connection to the upstream failed (doors see only a closed socket). */
  lastUpstreamError: Error | undefined;

  constructor(private readonly options: TcpProxyOptions) {
    this.upstream = options.upstream;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get isCut(): boolean {
    return this.cutOff;
  }

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (client) => this.accept(client));
    // Thousands of doors reconnect at once after a partition.
    server.maxConnections = 100_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(
        { host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 0, backlog: 4096 },
        () => {
          server.off('error', reject);
          resolve();
        },
      );
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Drop every connection and refuse new ones: a network partition. */
  cut(): void {
    this.cutOff = true;
    this.dropAll();
  }

  heal(): void {
    this.cutOff = false;
  }

  setUpstream(upstream: { host: string; port: number }): void {
    this.upstream = upstream;
  }

  private accept(client: Socket): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    this.accepted++;
    const server = connect({ ...this.upstream, noDelay: true });
    const pair: [Socket, Socket] = [client, server];
    this.pairs.add(pair);
    const close = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server
      .on('error', (error) => {
        this.lastUpstreamError = error;
        close();
      })
      .on('close', close);
    client.pipe(server);
    server.pipe(client);
  }

  private dropAll(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }
}
