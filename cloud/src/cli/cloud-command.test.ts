import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig, cloudCommand, EXIT_BAD_CONFIG } from './cloud-command.js';

describe('Function: buildConfig', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-cmd-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts flags over the config file, and --no-mqtt turns plain MQTT off', async () => {
    // Prepare
    const file = join(dir, 'cloud.json');
    await writeFile(file, JSON.stringify({ awsPort: 5000, region: 'eu-west-1', mqttPort: 1884 }));

    // Act
    const config = await buildConfig({ config: file, awsPort: 0, mqtt: false });

    // Assess
    expect(config).toMatchObject({ awsPort: 0, region: 'eu-west-1', mqttPort: null, mqttsPort: 8883 });
  });

  it('maps the subscriber flags onto the cloud config', async () => {
    // Prepare
    const flags = {
      mqtt: true,
      badges: 'badges.csv',
      badgeWindowSeconds: 20,
      webhookUrl: 'http://127.0.0.1:9/hook',
    };

    // Act
    const config = await buildConfig(flags);

    // Assess
    expect(config).toMatchObject({
      badgesFile: 'badges.csv',
      badgeWindowSeconds: 20,
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
  });

  it('lists every bad field of the config file at once', async () => {
    // Prepare
    const file = join(dir, 'cloud.json');
    await writeFile(file, JSON.stringify({ accountId: '12', httpPort: 70000 }));

    // Act
    const outcome = buildConfig({ config: file, mqtt: true });

    // Assess
    await expect(outcome).rejects.toThrow(/accountId/);
    await expect(outcome).rejects.toThrow(/httpPort/);
  });

  it('says which file is missing or not JSON', async () => {
    // Prepare
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{nope');

    // Act
    const missing = buildConfig({ config: join(dir, 'none.json'), mqtt: true });
    const malformed = buildConfig({ config: bad, mqtt: true });

    // Assess
    await expect(missing).rejects.toThrow(/cannot read config file .*none\.json/);
    await expect(malformed).rejects.toThrow(/bad\.json is not JSON/);
  });
});

describe('Function: cloudCommand', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-cmd-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one ready line and stops on SIGTERM', async () => {
    // Prepare
    const out: string[] = [];
    const signals = new EventEmitter();
    const command = cloudCommand({
      stdout: (t) => out.push(t),
      stderr: () => {},
      signals,
      logger: pino({ level: 'silent' }),
      onStarted: () => setImmediate(() => signals.emit('SIGTERM')),
    });

    // Act
    await command.parseAsync(
      ['--data-dir', dir, '--mqtt-port', '0', '--mqtts-port', '0', '--aws-port', '0', '--http-port', '0'],
      { from: 'user' },
    );

    // Assess
    expect(out).toHaveLength(1);
    const ready = JSON.parse(out[0]!);
    expect(Object.keys(ready)).toEqual(['ready', 'mqtt', 'mqtts', 'aws', 'dashboard', 'dataDir']);
    expect(ready.dataDir).toBe(dir);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('exits 2 with the reason on a bad config, starting nothing', async () => {
    // Prepare
    const err: string[] = [];
    let code: number | undefined;
    const command = cloudCommand({
      stdout: () => {},
      stderr: (t) => err.push(t),
      setExitCode: (c) => (code = c),
    });

    // Act
    await command.parseAsync(['--config', join(dir, 'missing.json')], { from: 'user' });

    // Assess
    expect(code).toBe(EXIT_BAD_CONFIG);
    expect(err.join('')).toContain('cannot read config file');
  });
});
