import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { IotBroker } from './broker.js';
import { certificateIdOf } from './ca.js';

/** A listening MQTT server. */
export interface MqttListener {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface TlsListenOptions extends ListenOptions {
  /** PEM of the CA that issues client certificates (LocalCa.caCertPem). */
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/**
 * Plain MQTT over TCP, for development on loopback: the client id stands for the thing
 * name and the same per-thing policy applies.
 */
export function listenMqtt(broker: IotBroker, options: ListenOptions): Promise<MqttListener> {
  const server = createServer((socket: Socket) => {
    broker.handle(socket, { transport: 'mqtt', ...remote(socket) });
  });
  return listen(server, 'mqtt', options);
}

/**
 * MQTT over TLS with client certificates issued by the local CA, as IoT Core's port 8883:
 * a client without a certificate from that CA never completes the handshake.
 */
export function listenMqtts(broker: IotBroker, options: TlsListenOptions): Promise<MqttListener> {
  const server = createTlsServer(
    {
      key: options.serverKeyPem,
      cert: options.serverCertPem,
      ca: [options.caCertPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket: TLSSocket) => {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      broker.handle(socket, {
        transport: 'mqtts',
        ...(typeof cn === 'string' ? { certificateThingName: cn } : {}),
        ...(cert?.raw ? { certificateId: certificateIdOf(cert.raw) } : {}),
        ...remote(socket),
      });
    },
  );
  // Failed handshakes (no or foreign certificate) are the client's problem; never crash.
  server.on('tlsClientError', () => {});
  return listen(server, 'mqtts', options);
}

function remote(socket: Socket): { remoteAddress?: string } {
  return socket.remoteAddress === undefined ? {} : { remoteAddress: socket.remoteAddress };
}

function listen(server: Server, scheme: 'mqtt' | 'mqtts', options: ListenOptions): Promise<MqttListener> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${scheme}://${shown}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
