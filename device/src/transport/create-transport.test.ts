import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type AgentConfig, parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { TransportError, TransportUnavailableError } from '../core/errors.js';
import { makeTestPki, type TestPki } from '../ops/test-pki.js';
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

describe('Function: createTransport, checking the client certificate', () => {
  let dir: string;
  let pki: TestPki;
  let validTo: number;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-cert-'));
    pki = makeTestPki(dir);
    validTo = Date.parse(new X509Certificate(readFileSync(pki.clientCert)).validTo);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  /** createTransport at `now`, with the lines it logged at warn and above. */
  const create = async (now: number, keyFile = pki.clientKey) => {
    const lines: Array<{ level: number; msg: string; certFile?: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const mqtt = {
      endpoint: 'mqtts://127.0.0.1:8883',
      certFile: pki.clientCert,
      keyFile,
      caFile: pki.caCert,
    };
    const clock = new ManualClock(now);
    await createTransport(config(mqtt), { logger, clock, readFile: (p) => readFileSync(p) });
    return lines.map((l) => ({ level: l.level, msg: l.msg, certFile: l.certFile }));
  };

  it('logs nothing for a certificate valid for long', async () => {
    // Act / Assess
    expect(await create(validTo - 100 * 86_400_000)).toEqual([]);
  });

  it('logs an error naming the file for an expired certificate, and keeps going', async () => {
    // Act
    const lines = await create(validTo + 1_000);
    // Assess
    expect(lines).toEqual([
      {
        level: 50,
        msg: expect.stringMatching(/^client certificate .*client\.pem expired on /),
        certFile: pki.clientCert,
      },
    ]);
  });

  it('logs an error for a certificate not valid yet (a clock behind)', async () => {
    // Act
    const lines = await create(Date.UTC(1970, 0, 1));
    // Assess
    expect(lines).toMatchObject([{ level: 50, msg: expect.stringMatching(/is not valid before .*clock/) }]);
  });

  it('warns when the certificate expires within 30 days', async () => {
    // Act
    const lines = await create(validTo - 10.5 * 86_400_000);
    // Assess
    expect(lines).toMatchObject([
      { level: 40, msg: expect.stringMatching(/client\.pem expires in 10 days/) },
    ]);
  });

  it("refuses a key that is not the certificate's, naming both files", async () => {
    // Act
    const created = create(validTo - 100 * 86_400_000, pki.strangerKey);
    // Assess
    await expect(created).rejects.toBeInstanceOf(TransportError);
    await expect(created).rejects.toThrow(
      `the private key ${pki.strangerKey} is not the key of the certificate ${pki.clientCert}`,
    );
  });
});
