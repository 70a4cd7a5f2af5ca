import { describe, expect, it } from 'vitest';
import { ContractValidationError } from '../errors.js';
import { parseAgentConfig } from './agent-config.js';
import { parseCloudConfig } from './cloud-config.js';

describe('Function: parseAgentConfig', () => {
  it('fills every default from a minimal config', () => {
    // Act
    const config = parseAgentConfig({ thingName: 'door-001', mqtt: { endpoint: 'mqtt://127.0.0.1:1883' } });
    // Assess
    expect(config.dataDir).toBe('/var/lib/smartdoor');
    expect(config.mqtt.transport).toBe('auto');
    expect(config.mqtt.reconnect).toEqual({ initialDelayMs: 1000, maxDelayMs: 60000 });
    expect(config.reedSwitch).toMatchObject({
      driver: 'auto',
      bcmPin: 17,
      wiring: 'normally-open',
      activeLow: true,
    });
    expect(config.badgeReader).toMatchObject({ path: '/dev/serial0', baudRate: 9600, protocol: 'rdm6300' });
    expect(config.door).toMatchObject({
      heldOpenLimitSeconds: 30,
      heartbeatIntervalSeconds: 60,
      debounceMs: 50,
    });
    expect(config.outbox.maxEvents).toBe(100_000);
  });

  it('reports every bad field at once as path: expected, received', () => {
    // Prepare
    const bad = {
      thingName: 'door 1',
      mqtt: {},
      reedSwitch: { bcmPin: 99, wiring: 'sideways' },
      logLevel: 'loud',
    };
    // Act
    const run = () => parseAgentConfig(bad);
    // Assess
    expect(run).toThrow(ContractValidationError);
    try {
      run();
    } catch (err) {
      const issues = (err as ContractValidationError).issues;
      expect(issues).toEqual([
        {
          path: 'thingName',
          expected: 'a string matching /^[a-zA-Z0-9:_-]{1,128}$/',
          received: 'string "door 1"',
        },
        { path: 'mqtt.endpoint', expected: 'a string', received: 'nothing (field missing)' },
        { path: 'reedSwitch.bcmPin', expected: 'a number <= 53', received: 'number 99' },
        {
          path: 'reedSwitch.wiring',
          expected: 'one of "normally-open", "normally-closed"',
          received: 'string "sideways"',
        },
        {
          path: 'logLevel',
          expected: 'one of "fatal", "error", "warn", "info", "debug", "trace"',
          received: 'string "loud"',
        },
      ]);
    }
  });
});

describe('Function: parseCloudConfig', () => {
  it('binds to loopback by default', () => {
    const config = parseCloudConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.mqttPort).toBe(1883);
    expect(config.eventBusName).toBe('smartdoor');
  });

  it('names a bad port and a bad account id', () => {
    expect(() => parseCloudConfig({ awsPort: 70000, accountId: '12' })).toThrow(
      'invalid cloud config: awsPort: expected a number <= 65535, received number 70000; accountId: expected a string matching /^\\d{12}$/, received string "12"',
    );
  });

  it("keeps persistent MQTT sessions for IoT Core's hour by default, and at most its 7 days", () => {
    expect(parseCloudConfig({}).persistentSessionExpirySeconds).toBe(3_600);
    expect(() => parseCloudConfig({ persistentSessionExpirySeconds: 700_000 })).toThrow(
      'persistentSessionExpirySeconds: expected a number <= 604800, received number 700000',
    );
  });

  it('names too short a string and a bad URL', () => {
    expect(() => parseCloudConfig({ webhookUrl: 'not a url' })).toThrow(
      'webhookUrl: expected a url string, received string "not a url"',
    );
    expect(() => parseAgentConfig({ thingName: 'd', mqtt: { endpoint: '' } })).toThrow(
      'mqtt.endpoint: expected at least 1 characters, received string ""',
    );
  });
});
