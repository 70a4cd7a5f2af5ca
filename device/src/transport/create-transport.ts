import type { AgentConfig } from '@smartdoor/shared';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.js';
import { TransportError, TransportUnavailableError } from '../core/errors.js';
import { AwsIotTransport, loadAwsIotSdk } from './aws-iot-transport.js';
import { checkClientCertificate } from './client-certificate.js';
import { MqttJsTransport } from './mqttjs-transport.js';
import type { Transport } from './types.js';

export interface CreateTransportOptions {
  logger: Logger;
  clock?: Clock;
  readFile: (path: string) => Buffer;
  /** Loads the SDK; tests inject a failing one. @default loadAwsIotSdk */
  loadSdk?: () => Promise<unknown>;
}

export interface BrokerEndpoint {
  url: string;
  host: string;
  port: number;
  tls: boolean;
}

/**
 * Read the config's endpoint: a URL (mqtt://, mqtts://) or a bare host[:port], which
 * means TLS on 8883 (IoT Core's data endpoint is given as a bare host). The one parser
 * for the agent, provision and doctor, so that they all reach the same broker. Other
 * schemes (ws://, wss://) are refused: the transports speak MQTT over TCP only.
 */
export function parseEndpoint(endpoint: string): BrokerEndpoint {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `mqtts://${endpoint}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new TransportError(`${endpoint} is not a broker endpoint (mqtts://host:port, or host[:port])`);
  }
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  const tls = ['mqtts', 'ssl', 'tls'].includes(scheme);
  if (!tls && !['mqtt', 'tcp'].includes(scheme)) {
    throw new TransportError(
      `${endpoint}: ${scheme}:// is not supported; use mqtts://host:port, or host[:port]`,
    );
  }
  if (!u.hostname) throw new TransportError(`${endpoint} names no host`);
  const port = u.port ? Number(u.port) : tls ? 8883 : 1883;
  // An IPv6 address keeps its brackets in the URL only: sockets and TLS take it bare.
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { url: `${tls ? 'mqtts' : 'mqtt'}://${u.hostname}:${port}`, host, port, tls };
}

/** Which transport the config asks for: aws-iot by default for *.amazonaws.com. */
export function wantsAwsIot(config: AgentConfig): boolean {
  if (config.mqtt.transport === 'aws-iot') return true;
  if (config.mqtt.transport === 'mqtt') return false;
  return parseEndpoint(config.mqtt.endpoint).host.endsWith('.amazonaws.com');
}

/**
 * The transport for the config: aws-iot-device-sdk-v2 (MQTT 5, mutual TLS) when asked
 * for or for *.amazonaws.com endpoints, MQTT.js otherwise. When the SDK cannot load
 * (aws-crt has no 32-bit ARM binary), MQTT.js takes over, with one clear log line. The
 * client certificate is checked first (dates, and that the key is its key: see
 * checkClientCertificate).
 */
export async function createTransport(config: AgentConfig, o: CreateTransportOptions): Promise<Transport> {
  const m = config.mqtt;
  const endpoint = parseEndpoint(m.endpoint);
  const awsIot = wantsAwsIot(config);
  if (awsIot && (!m.certFile || !m.keyFile)) {
    throw new TransportError(
      'the aws-iot transport needs mqtt.certFile and mqtt.keyFile (mutual TLS); provision the device first',
    );
  }
  const ca = m.caFile ? o.readFile(m.caFile) : undefined;
  const cert = m.certFile ? o.readFile(m.certFile) : undefined;
  const key = m.keyFile ? o.readFile(m.keyFile) : undefined;
  if (m.certFile && cert) {
    const now = (o.clock ?? systemClock).now();
    checkClientCertificate({ certFile: m.certFile, cert, keyFile: m.keyFile, key, now, logger: o.logger });
  }
  if (awsIot) {
    try {
      await (o.loadSdk ?? loadAwsIotSdk)();
      o.logger.info(
        { host: endpoint.host, port: endpoint.port },
        'transport: aws-iot-device-sdk-v2 (MQTT 5)',
      );
      return new AwsIotTransport({
        host: endpoint.host,
        port: endpoint.port,
        cert: cert!.toString('utf8'),
        key: key!.toString('utf8'),
        ...(ca ? { ca: ca.toString('utf8') } : {}),
        keepaliveSeconds: m.keepaliveSeconds,
        reconnect: m.reconnect,
        ...(o.clock ? { clock: o.clock } : {}),
      });
    } catch (err) {
      if (!(err instanceof TransportUnavailableError)) throw err;
      o.logger.warn(
        { reason: err.message },
        'aws-iot-device-sdk-v2 is not available on this machine; falling back to MQTT.js (same broker, same certificates)',
      );
    }
  }
  o.logger.info({ url: endpoint.url }, 'transport: MQTT.js');
  return new MqttJsTransport({
    url: endpoint.url,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    keepaliveSeconds: m.keepaliveSeconds,
    reconnect: m.reconnect,
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
