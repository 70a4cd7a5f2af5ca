import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import type { AgentConfig } from '@smartdoor/shared';
import { parseEndpoint } from '../../transport/create-transport.js';
import { type CheckResult, fail, messageOf, ok } from './check-result.js';

export interface BrokerProbe {
  result: CheckResult;
  /** The broker certificate's validity, when a TLS handshake got that far (for the clock check). */
  peerValidity?: { from: Date; to: Date };
}

/** @default 5000 */
export const DEFAULT_BROKER_TIMEOUT_MS = 5_000;

/** Host and port the agent connects to, read as the agent reads them (parseEndpoint). */
export function brokerAddress(endpoint: string): { host: string; port: number; tls: boolean } {
  const { host, port, tls } = parseEndpoint(endpoint);
  return { host, port, tls };
}

/**
 * Is the broker reachable? Over TLS a full handshake with the client certificate (so a
 * wrong CA, a revoked or unregistered certificate shows here); plain MQTT a TCP connect.
 * On port 443, IoT Core needs the ALPN name x-amzn-mqtt-ca to speak MQTT with a client
 * certificate (AWS IoT Core Developer Guide, "Protocols, port mappings, and authentication").
 */
export async function checkBroker(
  mqtt: AgentConfig['mqtt'],
  opts: { timeoutMs?: number; readFile?: (path: string) => Buffer } = {},
): Promise<BrokerProbe> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p));
  let addr: ReturnType<typeof brokerAddress>;
  try {
    addr = brokerAddress(mqtt.endpoint);
  } catch (cause) {
    return { result: fail('broker', messageOf(cause)) };
  }
  const where = `${addr.host}:${addr.port}`;
  if (!addr.tls) {
    return new Promise((resolve) => {
      const socket = netConnect({ host: addr.host, port: addr.port, timeout: timeoutMs });
      const done = (r: BrokerProbe) => {
        socket.destroy();
        resolve(r);
      };
      socket.once('connect', () =>
        done({ result: ok('broker', `TCP connect to ${where} (plain MQTT, no TLS)`) }),
      );
      socket.once('timeout', () =>
        done({ result: fail('broker', `no answer from ${where} within ${timeoutMs} ms`) }),
      );
      socket.once('error', (err) =>
        done({ result: fail('broker', `cannot reach ${where}: ${err.message}`) }),
      );
    });
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  let ca: Buffer | undefined;
  try {
    cert = mqtt.certFile ? readFile(mqtt.certFile) : undefined;
    key = mqtt.keyFile ? readFile(mqtt.keyFile) : undefined;
    ca = mqtt.caFile ? readFile(mqtt.caFile) : undefined;
  } catch (cause) {
    return { result: fail('broker', `cannot read the TLS files: ${messageOf(cause)}`) };
  }
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: addr.host,
      port: addr.port,
      servername: /^[\d.:]+$/.test(addr.host) ? undefined : addr.host,
      cert,
      key,
      ca,
      timeout: timeoutMs,
      // TLS 1.2: the server checks the client certificate inside the handshake, so a refused
      // certificate fails here (with 1.3 it fails only after the handshake completes).
      maxVersion: 'TLSv1.2',
      ALPNProtocols: addr.port === 443 ? ['x-amzn-mqtt-ca'] : undefined,
    });
    let peer: PeerCertificate | undefined;
    const validity = () =>
      peer?.valid_from ? { from: new Date(peer.valid_from), to: new Date(peer.valid_to) } : undefined;
    const done = (r: BrokerProbe) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () => {
      peer = socket.getPeerCertificate();
      done({
        result: ok(
          'broker',
          `TLS handshake with ${where} (${socket.getProtocol() ?? 'TLS'}), server certificate trusted`,
        ),
        peerValidity: validity(),
      });
    });
    socket.once('timeout', () =>
      done({ result: fail('broker', `no TLS handshake with ${where} within ${timeoutMs} ms`) }),
    );
    socket.once('error', (err) => {
      try {
        peer = socket.getPeerCertificate();
      } catch {
        peer = undefined;
      }
      done({
        result: fail('broker', `TLS handshake with ${where} failed: ${err.message}`),
        peerValidity: validity(),
      });
    });
  });
}
