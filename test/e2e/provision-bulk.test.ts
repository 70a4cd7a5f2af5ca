/**
 * `smartdoor provision bulk` as a child process against the local cloud: 200 doors from a
 * CSV, the run killed (SIGKILL) halfway and started again. Checked through the IoT SDK:
 * 200 things, each with exactly one certificate, no thing given a second one; a
 * certificate a kill may have orphaned is never active. Then revoke.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeCertificateCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  type ThingAttribute,
} from '@aws-sdk/client-iot';
import type { LocalCloud, LocalCloudEndpoints } from '@smartdoor/cloud';
import { JOURNAL_FILE } from '@smartdoor/cloud/provisioning/journal';
import { loadAgentConfig } from '@smartdoor/device/config/load-agent-config';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

const CLI = join(import.meta.dirname, '../../simulator/bin/smartdoor.js');
const DOORS = 200;

function run(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

function doneCount(outDir: string): number {
  const path = join(outDir, JOURNAL_FILE);
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('"step":"done"').length - 1;
}

describe('Command: smartdoor provision', () => {
  let dir: string;
  let testCloud: TestCloud;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let iot: IoTClient;
  let csv: string;
  let outDir: string;

  const bulkArgs = () => [
    'provision',
    'bulk',
    csv,
    '--out',
    outDir,
    '--endpoint',
    endpoints.aws,
    '--mqtt-endpoint',
    endpoints.mqtts,
    '--ca-file',
    cloud.ca.caCertPath,
    '--concurrency',
    '4',
  ];

  async function allThings(): Promise<ThingAttribute[]> {
    const things: ThingAttribute[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(
        new ListThingsCommand({ maxResults: 50, ...(nextToken ? { nextToken } : {}) }),
      );
      things.push(...(page.things ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return things;
  }

  beforeAll(async () => {
    testCloud = await startTestCloud('provision-bulk');
    ({ cloud, endpoints, dir } = testCloud);
    iot = new IoTClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
    csv = join(dir, 'doors.csv');
    outDir = join(dir, 'out');
    const rows = Array.from(
      { length: DOORS },
      (_, i) =>
        `door-${String(i + 1).padStart(4, '0')},"building-A/floor-${i % 5}",${i % 2 ? 'side' : 'front'}`,
    );
    writeFileSync(csv, `thingName,location,entrance\n${rows.join('\n')}\n`);
  });

  afterAll(async () => {
    iot?.destroy();
    await testCloud?.close();
  });

  it('finishes after a SIGKILL halfway with one certificate per thing', async () => {
    // Prepare
    const first = run(bulkArgs());
    const deadline = Date.now() + 60_000;
    while (doneCount(outDir) < DOORS / 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.done;
    const doneAtKill = doneCount(outDir);

    // Act
    const second = await run(bulkArgs()).done;

    // Assess
    expect(doneAtKill).toBeGreaterThanOrEqual(DOORS / 2);
    expect(doneAtKill).toBeLessThan(DOORS);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/200 doors: \d+ provisioned, \d+ already done, 0 failed/);
    const things = (await allThings()).filter((t) => t.thingName?.startsWith('door-'));
    expect(things).toHaveLength(DOORS);
    expect(things.find((t) => t.thingName === 'door-0002')?.attributes).toEqual({
      location: 'building-A/floor-1',
      entrance: 'side',
    });
    const attached = new Set<string>();
    for (const t of things) {
      const { principals } = await iot.send(new ListThingPrincipalsCommand({ thingName: t.thingName! }));
      expect(principals, t.thingName).toHaveLength(1);
      attached.add(principals![0]!);
    }
    expect(attached.size).toBe(DOORS);
    // A kill between CreateCertificateFromCsr and the journal may orphan one certificate per
    // door in flight: never attached, never active.
    const all = cloud.db.prepare('SELECT certificate_id, status FROM iot_certificates').all() as Array<{
      certificate_id: string;
      status: string;
    }>;
    const orphans = all.filter(
      (c) =>
        c.certificate_id !== cloud.provisioning.claim.certificateId &&
        ![...attached].some((a) => a.endsWith(c.certificate_id)),
    );
    expect(orphans.length).toBeLessThanOrEqual(4);
    for (const o of orphans) expect(o.status).toBe('INACTIVE');
  }, 120_000);

  it('writes a bundle per door that the agent config loader reads and the broker accepts', async () => {
    // Prepare
    const bundle = join(outDir, 'door-0150');
    const config = loadAgentConfig({ path: join(bundle, 'agent.json'), env: {} });

    // Act
    const client = mqtt.connect(config.mqtt.endpoint, {
      clientId: config.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca: readFileSync(config.mqtt.caFile!),
      cert: readFileSync(config.mqtt.certFile!),
      key: readFileSync(config.mqtt.keyFile!),
    });
    const connected = await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('error', () => resolve(false));
    });
    await new Promise<void>((r) => client.end(true, {}, () => r()));

    // Assess
    expect(connected).toBe(true);
    expect(statSync(bundle).mode & 0o777).toBe(0o700);
    for (const f of ['private.pem.key', 'certificate.pem.crt', 'ca.pem', 'agent.json']) {
      expect(statSync(join(bundle, f)).mode & 0o777, f).toBe(0o600);
    }
  });

  it('changes nothing on a third run (mqtt endpoint from DescribeEndpoint)', async () => {
    // Prepare: no --mqtt-endpoint, so DescribeEndpoint supplies it
    const args = bulkArgs();
    args.splice(args.indexOf('--mqtt-endpoint'), 2);

    // Act
    const third = await run(args).done;

    // Assess
    expect(third.code).toBe(0);
    expect(third.stdout).toContain(
      '200 doors: 0 provisioned, 200 already done, 0 failed; 0 certificates created',
    );
  }, 60_000);

  it('revokes a door: its certificate is inactive, detached, and refused at the next connection', async () => {
    // Prepare
    const { principals } = await iot.send(new ListThingPrincipalsCommand({ thingName: 'door-0007' }));
    const certificateId = principals![0]!.split('/').pop()!;

    // Act
    const r = await run(['provision', 'revoke', 'door-0007', '--endpoint', endpoints.aws]).done;

    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 certificate(s) REVOKED and detached');
    const after = await iot.send(new ListThingPrincipalsCommand({ thingName: 'door-0007' }));
    expect(after.principals).toEqual([]);
    const d = await iot.send(new DescribeCertificateCommand({ certificateId }));
    expect(d.certificateDescription?.status).toBe('REVOKED');
    const bundle = join(outDir, 'door-0007');
    const client = mqtt.connect(endpoints.mqtts, {
      clientId: 'door-0007',
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca: readFileSync(join(bundle, 'ca.pem')),
      cert: readFileSync(join(bundle, 'certificate.pem.crt')),
      key: readFileSync(join(bundle, 'private.pem.key')),
    });
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('error', (e) => resolve(e.message));
    });
    client.end(true);
    expect(outcome).toMatch(/Not authorized/i);
  }, 30_000);

  it('names the bad rows of a CSV and exits 2', async () => {
    // Prepare
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'thingName,location\ndoor-a,x\n"door b",y\ndoor-a,z\n');

    // Act
    const r = await run(['provision', 'bulk', bad, '--out', join(dir, 'bad-out'), '--dry-run']).done;

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('row 3: "door b" is not a valid thing name');
    expect(r.stderr).toContain('row 4: thing door-a is a duplicate of row 2');
  }, 30_000);

  it('says how to give the bundles the local CA when --ca-file is missing', async () => {
    // Prepare
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'thingName\nlone-0001\n');
    const out = join(dir, 'noca-out');
    // Act
    const r = await run([
      'provision',
      'bulk',
      one,
      '--out',
      out,
      '--endpoint',
      endpoints.aws,
      '--mqtt-endpoint',
      endpoints.mqtts,
    ]).done;
    // Assess
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bundles carry no CA; for the local cloud, run again with --ca-file/);
    expect(existsSync(join(out, 'lone-0001', 'ca.pem'))).toBe(false);
  });
});
