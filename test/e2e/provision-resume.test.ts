/**
 * `provision` interrupted and run again against the local cloud: it resumes with the
 * certificate it already has while the ownership token is fresh, asks for a new one when
 * the token is stale or refused, and refuses to mix two serial numbers in one folder.
 * Also the two CLIs end to end: `smartdoor provision claim-cert` hands out the claim
 * certificate, `smartdoor-agent provision` uses it, and says so when run again.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import { ProvisioningConflictError, ProvisioningFileError } from '@smartdoor/device/provisioning/errors';
import type { ClaimConnectionOptions } from '@smartdoor/device/provisioning/identity-client';
import { MqttJsIdentityClient } from '@smartdoor/device/provisioning/mqttjs-identity-client';
import {
  type ProvisionDeviceOptions,
  provisionDevice,
} from '@smartdoor/device/provisioning/provision-device';
import { readState, statePath } from '@smartdoor/device/provisioning/provisioning-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

const ROOT = join(import.meta.dirname, '../..');

function runCli(
  bin: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, bin), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('Function: provisionDevice, interrupted and resumed', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;

  const options = (name: string, serial: string): ProvisionDeviceOptions => ({
    claimCertFile: cloud.provisioning.claim.certificatePath,
    claimKeyFile: cloud.provisioning.claim.privateKeyPath,
    templateName: 'smartdoor-door',
    serial,
    endpoint: endpoints.mqtts,
    caFile: cloud.provisioning.claim.caPath,
    configPath: join(dir, name, 'agent.json'),
    outDir: join(dir, name, 'certs'),
    timeoutMs: 5_000,
  });

  /** The real MQTT.js identity client, cut off before RegisterThing answers (a power cut). */
  const cutBeforeRegister = async (c: ClaimConnectionOptions) => {
    const client = await MqttJsIdentityClient.connect(c);
    return Object.assign(Object.create(client) as MqttJsIdentityClient, {
      createCertificateFromCsr: (csr: string) => client.createCertificateFromCsr(csr),
      createKeysAndCertificate: () => client.createKeysAndCertificate(),
      registerThing: async () => {
        throw new Error('power cut');
      },
      close: () => client.close(),
    });
  };

  const certificateCount = () =>
    (cloud.db.prepare('SELECT COUNT(*) AS n FROM iot_certificates').get() as { n: number }).n;

  beforeAll(async () => {
    testCloud = await startTestCloud('provision-resume');
    ({ cloud, endpoints, dir } = testCloud);
  });

  afterAll(async () => {
    await testCloud?.close();
  });

  it('resumes with the certificate it already has while the token is fresh', async () => {
    // Prepare
    const o = options('r1', 'R1');
    await expect(provisionDevice({ ...o, connect: cutBeforeRegister })).rejects.toThrow('power cut');
    const interrupted = readState(o.outDir)!;
    const before = certificateCount();

    // Act
    const result = await provisionDevice(o);

    // Assess
    expect(interrupted.phase).toBe('certificate-issued');
    expect(result.certificateId).toBe(interrupted.certificateId);
    expect(certificateCount()).toBe(before);
    expect(readState(o.outDir)).toMatchObject({ phase: 'done', thingName: 'door-R1' });
  });

  it('asks for a new certificate when the saved token is older than it may be', async () => {
    // Prepare
    const o = options('r2', 'R2');
    const t0 = Date.now();
    await expect(provisionDevice({ ...o, connect: cutBeforeRegister, now: () => t0 })).rejects.toThrow(
      'power cut',
    );
    const interrupted = readState(o.outDir)!;

    // Act
    const result = await provisionDevice({ ...o, now: () => t0 + 2 * 3_600_000 });

    // Assess
    expect(result.certificateId).not.toBe(interrupted.certificateId);
    expect(result.thingName).toBe('door-R2');
    expect(cloud.provisioning.registry.grants(interrupted.certificateId!)?.status).toBe('PENDING_ACTIVATION');
  });

  it('starts over once when IoT refuses the saved token', async () => {
    // Prepare
    const o = options('r3', 'R3');
    await expect(provisionDevice({ ...o, connect: cutBeforeRegister })).rejects.toThrow('power cut');
    const state = readState(o.outDir)!;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(statePath(o.outDir), JSON.stringify({ ...state, certificateOwnershipToken: 'forged' }));

    // Act
    const result = await provisionDevice(o);

    // Assess
    expect(result.status).toBe('provisioned');
    expect(result.certificateId).not.toBe(state.certificateId);
  });

  it('only writes the files when RegisterThing had answered before the interruption', async () => {
    // Prepare: a folder where the certificate goes, so the run stops after RegisterThing
    const o = options('r6', 'R6');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(o.outDir, 'device.crt', 'in-the-way'), { recursive: true });
    await expect(provisionDevice(o)).rejects.toBeInstanceOf(ProvisioningFileError);
    await rm(join(o.outDir, 'device.crt'), { recursive: true });
    const interrupted = readState(o.outDir)!;

    // Act: no claim connection may be opened this time
    const result = await provisionDevice({
      ...o,
      connect: async () => {
        throw new Error('must not connect');
      },
    });

    // Assess
    expect(interrupted).toMatchObject({ phase: 'registered', thingName: 'door-R6' });
    expect(result).toMatchObject({
      status: 'provisioned',
      thingName: 'door-R6',
      certificateId: interrupted.certificateId,
    });
    expect(JSON.parse(readFileSync(o.configPath, 'utf8')).thingName).toBe('door-R6');
  });

  it('refuses another serial number in a folder that holds one', async () => {
    // Prepare
    const o = options('r1', 'OTHER');

    // Act
    const act = provisionDevice(o);

    // Assess
    await expect(act).rejects.toBeInstanceOf(ProvisioningConflictError);
  });

  it('names the claim file it cannot read', async () => {
    // Prepare
    const o = { ...options('r5', 'R5'), claimCertFile: join(dir, 'missing.crt') };

    // Act
    const act = provisionDevice(o);

    // Assess
    await expect(act).rejects.toBeInstanceOf(ProvisioningFileError);
    await expect(act).rejects.toThrow(/claim certificate .*missing\.crt/);
  });
});

describe('Command: smartdoor provision claim-cert + smartdoor-agent provision', () => {
  let dir: string;
  let testCloud: TestCloud;
  let _cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;

  beforeAll(async () => {
    testCloud = await startTestCloud('provision-cli');
    ({ cloud: _cloud, endpoints, dir } = testCloud);
  });

  afterAll(async () => {
    await testCloud?.close();
  });

  it('provisions a door from the handed-out claim certificate, then changes nothing', async () => {
    // Prepare
    const claim = join(dir, 'claim');
    const handed = await runCli('simulator/bin/smartdoor.js', [
      'provision',
      'claim-cert',
      '--out',
      claim,
      '--data-dir',
      join(dir, 'cloud'),
    ]);
    const args = [
      'provision',
      '--claim-cert',
      join(claim, 'claim.crt'),
      '--claim-key',
      join(claim, 'claim.key'),
      '--ca-file',
      join(claim, 'ca.crt'),
      '--template',
      'smartdoor-door',
      '--serial',
      'CLI1',
      '--endpoint',
      endpoints.mqtts,
      '--config',
      join(dir, 'door', 'agent.json'),
      '--out-dir',
      join(dir, 'door', 'certs'),
    ];

    // Act
    const first = await runCli('device/bin/smartdoor-agent.js', args);
    const second = await runCli('device/bin/smartdoor-agent.js', args);

    // Assess
    expect(handed.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('provisioned as thing door-CLI1');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already provisioned as thing door-CLI1; nothing changed');
    const config = JSON.parse(readFileSync(join(dir, 'door', 'agent.json'), 'utf8'));
    expect(config).toMatchObject({ thingName: 'door-CLI1', mqtt: { endpoint: endpoints.mqtts } });
  }, 60_000);

  it('prints one line and exits 1 for a bad serial number', async () => {
    // Act
    const r = await runCli('device/bin/smartdoor-agent.js', [
      'provision',
      '--claim-cert',
      'x',
      '--claim-key',
      'y',
      '--template',
      't',
      '--serial',
      'bad serial',
    ]);

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a serial number is 1-64 of');
  }, 30_000);
});
