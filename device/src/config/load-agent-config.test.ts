import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BadgeSecretError,
  ConfigFileMalformedError,
  ConfigFileNotFoundError,
  ConfigInvalidError,
} from './errors.js';
import {
  DEFAULT_AGENT_CONFIG_PATH,
  loadAgentConfig,
  loadBadgeSecret,
  resolveAgentConfigPath,
} from './load-agent-config.js';

const MINIMAL = { thingName: 'door-001', mqtt: { endpoint: 'mqtts://example.com:8883' } };

describe('Function: loadAgentConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };

  it('reads and validates a minimal file with the schema defaults', () => {
    // Prepare
    const path = write('agent.json', MINIMAL);
    // Act
    const config = loadAgentConfig({ path, env: {} });
    // Assess
    expect(config.thingName).toBe('door-001');
    expect(config.reedSwitch.bcmPin).toBe(17);
    expect(config.badgeReader.protocol).toBe('rdm6300');
    expect(config.dataDir).toBe('/var/lib/smartdoor');
  });

  it('takes the path from SMARTDOOR_AGENT_CONFIG when no path is given', () => {
    // Prepare
    const path = write('other.json', MINIMAL);
    // Act
    const config = loadAgentConfig({ env: { SMARTDOOR_AGENT_CONFIG: path } });
    // Assess
    expect(config.thingName).toBe('door-001');
    expect(resolveAgentConfigPath({ env: {} })).toBe(DEFAULT_AGENT_CONFIG_PATH);
  });

  it('applies the environment overrides over the file', () => {
    // Prepare
    const path = write('agent.json', { ...MINIMAL, mqtt: { ...MINIMAL.mqtt, certFile: '/a/cert.pem' } });
    const env = {
      SMARTDOOR_DATA_DIR: '/data',
      SMARTDOOR_MQTT_ENDPOINT: 'mqtt://127.0.0.1:1883',
      SMARTDOOR_CERT_FILE: '/b/cert.pem',
      SMARTDOOR_KEY_FILE: '/b/key.pem',
      SMARTDOOR_CA_FILE: '/b/ca.pem',
    };
    // Act
    const config = loadAgentConfig({ path, env });
    // Assess
    expect(config.dataDir).toBe('/data');
    expect(config.mqtt).toMatchObject({
      endpoint: 'mqtt://127.0.0.1:1883',
      certFile: '/b/cert.pem',
      keyFile: '/b/key.pem',
      caFile: '/b/ca.pem',
    });
  });

  it('fills a missing mqtt section from the environment', () => {
    // Prepare
    const path = write('agent.json', { thingName: 'door-002' });
    // Act
    const config = loadAgentConfig({ path, env: { SMARTDOOR_MQTT_ENDPOINT: 'mqtt://localhost:1883' } });
    // Assess
    expect(config.mqtt.endpoint).toBe('mqtt://localhost:1883');
  });

  it('resolves relative file paths against the config folder', () => {
    // Prepare
    const path = write('agent.json', {
      ...MINIMAL,
      dataDir: 'data',
      badgeSecretFile: 'secret',
      mqtt: { ...MINIMAL.mqtt, certFile: 'certs/c.pem', keyFile: '/abs/k.pem' },
    });
    // Act
    const config = loadAgentConfig({ path, env: {} });
    // Assess
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.badgeSecretFile).toBe(join(dir, 'secret'));
    expect(config.mqtt.certFile).toBe(join(dir, 'certs/c.pem'));
    expect(config.mqtt.keyFile).toBe('/abs/k.pem');
  });

  it('throws ConfigFileNotFoundError naming the path when the file is missing', () => {
    // Prepare
    const path = join(dir, 'missing.json');
    // Act
    const act = () => loadAgentConfig({ path, env: {} });
    // Assess
    expect(act).toThrow(ConfigFileNotFoundError);
    expect(act).toThrow(`agent config file ${path} cannot be read: no such file`);
  });

  it('throws ConfigFileMalformedError when the JSON is broken', () => {
    // Prepare
    const path = write('agent.json', '{ "thingName": "door-001", }');
    // Act
    const act = () => loadAgentConfig({ path, env: {} });
    // Assess
    expect(act).toThrow(ConfigFileMalformedError);
    expect(act).toThrow(/is not valid JSON/);
  });

  it('lists every bad field at once when the schema fails', () => {
    // Prepare
    const path = write('agent.json', { thingName: 'bad name!', mqtt: {}, reedSwitch: { bcmPin: 99 } });
    // Act
    let error: unknown;
    try {
      loadAgentConfig({ path, env: {} });
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigInvalidError);
    const issues = (error as ConfigInvalidError).issues.join('\n');
    expect(issues).toMatch(/^thingName: /m);
    expect(issues).toMatch(/^mqtt\.endpoint: /m);
    expect(issues).toMatch(/^reedSwitch\.bcmPin: expected a number <= 53/m);
  });

  it('rejects a JSON document that is not an object', () => {
    // Prepare
    const path = write('agent.json', '[1, 2]');
    // Act
    const act = () => loadAgentConfig({ path, env: {} });
    // Assess
    expect(act).toThrow(ConfigInvalidError);
  });

  it('keeps a non-object mqtt so the schema names it', () => {
    // Prepare
    const path = write('agent.json', { thingName: 'door-001', mqtt: 'nope' });
    // Act
    const act = () => loadAgentConfig({ path, env: { SMARTDOOR_CERT_FILE: '/x' } });
    // Assess
    expect(act).toThrow(/mqtt: expected a object, received string/);
  });
});

describe('Function: loadBadgeSecret', () => {
  it('prefers SMARTDOOR_BADGE_SECRET over the file', () => {
    // Prepare
    const readFile = () => 'from-file-from-file-from-file';
    // Act
    const secret = loadBadgeSecret(
      { badgeSecretFile: '/s' },
      { SMARTDOOR_BADGE_SECRET: 'from-env-0123456789' },
      readFile,
    );
    // Assess
    expect(secret.toString()).toBe('from-env-0123456789');
  });

  it('reads the file and drops the trailing newline', () => {
    // Prepare
    const readFile = () => 'a-long-enough-secret-value\n';
    // Act
    const secret = loadBadgeSecret({ badgeSecretFile: '/s' }, {}, readFile);
    // Assess
    expect(secret.toString()).toBe('a-long-enough-secret-value');
  });

  it('decodes hex: and base64: values', () => {
    // Prepare
    const hex = `hex:${'ab'.repeat(16)}`;
    const b64 = `base64:${Buffer.alloc(20, 7).toString('base64')}`;
    // Act
    const a = loadBadgeSecret({}, { SMARTDOOR_BADGE_SECRET: hex });
    const b = loadBadgeSecret({}, { SMARTDOOR_BADGE_SECRET: b64 });
    // Assess
    expect(a).toEqual(Buffer.alloc(16, 0xab));
    expect(b).toEqual(Buffer.alloc(20, 7));
  });

  it('refuses a missing, unreadable, short or badly encoded secret without showing it', () => {
    // Prepare
    const failing = () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    // Act + Assess
    expect(() => loadBadgeSecret({}, {})).toThrow(/no badge secret/);
    expect(() => loadBadgeSecret({ badgeSecretFile: '/s' }, {}, failing)).toThrow(BadgeSecretError);
    expect(() => loadBadgeSecret({}, { SMARTDOOR_BADGE_SECRET: 'short-secret' })).toThrow(
      'badge secret from SMARTDOOR_BADGE_SECRET is 12 bytes; at least 16 are needed',
    );
    expect(() => loadBadgeSecret({}, { SMARTDOOR_BADGE_SECRET: 'hex:zz' })).toThrow(/not valid hex/);
    expect(() => loadBadgeSecret({}, { SMARTDOOR_BADGE_SECRET: 'base64:*' })).toThrow(/not valid base64/);
  });
});
