import { createServer, type Server, type Socket } from 'node:net';
import aedesModule, { type AedesOptions, type AedesPublishPacket, type Client } from 'aedes';

type Aedes = ReturnType<typeof aedesModule.createBroker>;

/** One publish the broker accepted from a client. */
export interface ReceivedPublish {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
  clientId: string;
}

/**
 * An in-process aedes broker on 127.0.0.1 (port 0 by default) for tests, recording every
 * client publish. `pause()` closes the listener and drops every connection (a broker
 * that went away); `resume()` listens again on the same port, keeping retained messages.
 */
export class TestBroker {
  readonly aedes: Aedes;
  readonly received: ReceivedPublish[] = [];
  port = 0;
  #server: Server | undefined;
  #sockets = new Set<Socket>();

  constructor(options: AedesOptions = {}) {
    this.aedes = aedesModule.createBroker(options);
    this.aedes.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
      if (!client) return;
      this.received.push({
        topic: packet.topic,
        payload: Buffer.from(packet.payload),
        retain: packet.retain,
        qos: packet.qos,
        clientId: client.id,
      });
    });
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      this.aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port || this.port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    return this;
  }

  /** Stop accepting and drop every connection (clients see the broker vanish). */
  async pause(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  async resume(): Promise<void> {
    await this.start(this.port);
  }

  /** Publishes on a topic, payloads parsed as JSON. */
  json<T = unknown>(topic: string): T[] {
    return this.received.filter((r) => r.topic === topic).map((r) => JSON.parse(r.payload.toString()) as T);
  }

  /** Publish from the broker itself (as the cloud would). */
  publish(
    topic: string,
    payload: string | Buffer,
    options: { retain?: boolean; qos?: 0 | 1 } = {},
  ): Promise<void> {
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos: options.qos ?? 1,
          retain: options.retain ?? false,
          dup: false,
        },
        (err?: Error) => (err ? reject(err) : resolve()),
      ),
    );
  }

  /** The retained message on a topic, if any. */
  retained(topic: string): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      let found: Buffer | undefined;
      const persistence = (
        this.aedes as unknown as { persistence: { createRetainedStream(t: string): NodeJS.ReadableStream } }
      ).persistence;
      const stream = persistence.createRetainedStream(topic);
      stream.on('data', (p: AedesPublishPacket) => {
        found = Buffer.from(p.payload);
      });
      stream.on('end', () => resolve(found));
    });
  }

  async close(): Promise<void> {
    await this.pause();
    await new Promise<void>((r) => this.aedes.close(() => r()));
  }
}

export async function startTestBroker(options: AedesOptions = {}): Promise<TestBroker> {
  return new TestBroker(options).start();
}
