import type { AgentConfig } from '@smartdoor/shared';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { MqttJsTransport } from './mqttjs-transport.js';
import type { Transport } from './types.js';

export interface CreateTransportOptions {
  logger: Logger;
  clock?: Clock;
  readFile: (path: string) => Buffer;
}

export interface BrokerEndpoint {
  url: string;
  host: string;
  port: number;
  tls: boolean;
}

/**
 * Read the config's endpoint: a URL (mqtt://, mqtts://) or a bare host[:port], which
 * means TLS on 8883 (IoT Core's data endpoint is given as a bare host).
 */
export function parseEndpoint(endpoint: string): BrokerEndpoint {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `mqtts://${endpoint}`;
  const u = new URL(withScheme);
  const tls = u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:';
  const port = u.port ? Number(u.port) : tls ? 8883 : 1883;
  return { url: `${tls ? 'mqtts' : 'mqtt'}://${u.hostname}:${port}`, host: u.hostname, port, tls };
}

/** Which transport the config asks for: aws-iot by default for *.amazonaws.com. */
export function wantsAwsIot(config: AgentConfig): boolean {
  if (config.mqtt.transport === 'aws-iot') return true;
  if (config.mqtt.transport === 'mqtt') return false;
  return parseEndpoint(config.mqtt.endpoint).host.endsWith('.amazonaws.com');
}

export async function createTransport(config: AgentConfig, o: CreateTransportOptions): Promise<Transport> {
  const m = config.mqtt;
  const endpoint = parseEndpoint(m.endpoint);
  return new MqttJsTransport({
    url: endpoint.url,
    ...(m.caFile ? { ca: o.readFile(m.caFile) } : {}),
    ...(m.certFile ? { cert: o.readFile(m.certFile) } : {}),
    ...(m.keyFile ? { key: o.readFile(m.keyFile) } : {}),
    keepaliveSeconds: m.keepaliveSeconds,
    reconnect: m.reconnect,
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
