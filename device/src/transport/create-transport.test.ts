import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TransportError, TransportUnavailableError } from '../core/errors.js';
import { AwsIotTransport } from './aws-iot-transport.js';
import { createTransport, parseEndpoint, wantsAwsIot } from './create-transport.js';
import { MqttJsTransport } from './mqttjs-transport.js';

const config = (mqtt: Record<string, unknown>): AgentConfig =>
  parseAgentConfig({ thingName: 'door-001', mqtt });
const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
const quiet = pino({ level: 'silent' });

describe('Function: parseEndpoint', () => {
  it('reads URLs and takes a bare host as TLS on 8883', () => {
    // Act / Assess
    expect(parseEndpoint('abc-ats.iot.eu-west-1.amazonaws.com')).toEqual({
      url: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com:8883',
      host: 'abc-ats.iot.eu-west-1.amazonaws.com',
      port: 8883,
      tls: true,
    });
    expect(parseEndpoint('mqtt://127.0.0.1')).toMatchObject({ port: 1883, tls: false });
    expect(parseEndpoint('mqtts://broker:9999')).toMatchObject({ port: 9999, tls: true });
    expect(parseEndpoint('broker:9999')).toMatchObject({ url: 'mqtts://broker:9999', port: 9999, tls: true });
  });

  it('gives an IPv6 host without brackets, and keeps them in the URL', () => {
    // Act / Assess
    expect(parseEndpoint('mqtts://[::1]:8884')).toEqual({
      url: 'mqtts://[::1]:8884',
      host: '::1',
      port: 8884,
      tls: true,
    });
  });

  it('refuses schemes the transports do not speak, and endpoints without a host', () => {
    // Act / Assess
    expect(() => parseEndpoint('wss://broker.example.com/mqtt')).toThrow(TransportError);
    expect(() => parseEndpoint('https://broker.example.com')).toThrow(/https:\/\/ is not supported/);
    expect(() => parseEndpoint('mqtts://')).toThrow(TransportError);
  });
});

describe('Function: wantsAwsIot', () => {
  it('picks aws-iot for *.amazonaws.com in auto mode, and follows an explicit choice', () => {
    // Act / Assess
    expect(wantsAwsIot(config({ endpoint: 'x-ats.iot.us-east-1.amazonaws.com' }))).toBe(true);
    expect(wantsAwsIot(config({ endpoint: 'mqtt://127.0.0.1:1883' }))).toBe(false);
    expect(wantsAwsIot(config({ endpoint: 'x-ats.iot.us-east-1.amazonaws.com', transport: 'mqtt' }))).toBe(
      false,
    );
    expect(wantsAwsIot(config({ endpoint: 'mqtts://127.0.0.1:8883', transport: 'aws-iot' }))).toBe(true);
  });
});

describe('Function: createTransport', () => {
  const iot = { endpoint: 'x-ats.iot.us-east-1.amazonaws.com', certFile: 'c.pem', keyFile: 'k.pem' };

  it('builds the aws-iot transport for an IoT Core endpoint', async () => {
    // Act
    const t = await createTransport(config(iot), { logger: quiet, readFile: () => PEM });
    // Assess
    expect(t).toBeInstanceOf(AwsIotTransport);
  });

  it('falls back to MQTT.js when aws-crt cannot load (32-bit ARM)', async () => {
    // Prepare
    const loadSdk = () => Promise.reject(new TransportUnavailableError('no aws-crt binary for linux/arm'));
    // Act
    const t = await createTransport(config(iot), { logger: quiet, readFile: () => PEM, loadSdk });
    // Assess
    expect(t).toBeInstanceOf(MqttJsTransport);
  });

  it('refuses the aws-iot transport without a client certificate', async () => {
    // Act / Assess
    await expect(
      createTransport(config({ endpoint: iot.endpoint }), { logger: quiet, readFile: () => PEM }),
    ).rejects.toBeInstanceOf(TransportError);
  });
});
