// `smartdoor simulate --endpoint`: the binary as users run it, its virtual doors against a
// broker this process does not run (aedes here, mosquitto with mutual TLS). The run can
// follow its events only to the PUBACK: the summary must say so and leave the bus figures
// unknown, not count every acknowledged event as lost.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttJsTransport } from '../../device/src/transport/mqttjs-transport.js';
import { TestBroker } from '../support/aedes-broker.js';
import { startCloudProcess } from '../support/cloud-process.js';
import { type Mosquitto, startMosquitto } from '../support/mosquitto.js';
import { makeTestPki, type TestPki } from '../support/pki.js';
import { smartdoor } from '../support/smartdoor-cli.js';
import { waitUntil } from '../support/wait.js';

/** `smartdoor simulate`: three doors, a short run and drain, then `args`. */
const simulate = (...args: string[]) =>
  smartdoor('simulate', '--doors', '3', '--duration', '3s', '--rate', '2', '--drain', '5s', ...args);

describe('Binary: smartdoor simulate --endpoint', () => {
  let dir: string;
  let pki: TestPki;
  let aedes: TestBroker;
  let mosquitto: Mosquitto;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-sim-endpoint-'));
    // One certificate for the whole simulated fleet, as a load test against a broker would use.
    pki = makeTestPki(dir, ['sim-fleet', 'observer']);
    aedes = await new TestBroker().start();
    mosquitto = await startMosquitto({
      pki,
      dir,
      acl: ['user sim-fleet', 'topic readwrite smartdoor/#', '', 'user observer', 'topic read #', ''].join(
        '\n',
      ),
    });
  }, 30_000);

  afterAll(async () => {
    await aedes?.close();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows events to the PUBACK over plain MQTT and leaves the bus figures unknown', async () => {
    // Act
    const { code, stdout, stderr } = await simulate('--endpoint', aedes.url, '--seed', '5', '--json');
    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const s = JSON.parse(stdout);
    expect(s).toMatchObject({ observed: 'broker', lost: 0, ingested: null, lostAfterAck: null });
    expect(s.created).toBeGreaterThan(0);
    expect(s.acknowledged).toBe(s.created);
    expect(s.ackLatencyMs.samples).toBeGreaterThan(0);
    const doors = new Set(aedes.received.filter((r) => r.topic.endsWith('/events')).map((r) => r.clientId));
    expect([...doors].sort()).toEqual(['door-001', 'door-002', 'door-003']);
  });

  it('publishes over mutual TLS with --ca, --cert and --key, and says what it could not see', async () => {
    // Prepare: an observer counts what really reached mosquitto.
    const observer = new MqttJsTransport({
      url: mosquitto.url,
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.clients.observer!.cert),
      key: readFileSync(pki.clients.observer!.key),
    });
    const seen = new Set<string>();
    observer.onMessage((topic, payload) => {
      if (topic.endsWith('/events'))
        seen.add((JSON.parse(payload.toString()) as { idempotencyKey: string }).idempotencyKey);
    });
    await observer.subscribe(['smartdoor/+/events']);
    await observer.connect({ clientId: 'observer' });
    await waitUntil(() => observer.state === 'connected', 'observer connected');
    const fleet = pki.clients['sim-fleet']!;
    try {
      // Act
      const { code, stdout } = await simulate(
        '--endpoint',
        mosquitto.url,
        '--ca',
        pki.caCert,
        '--cert',
        fleet.cert,
        '--key',
        fleet.key,
        '--no-progress',
      );
      // Assess
      expect(code).toBe(0);
      const created = Number(/events created\s+(\d+)/.exec(stdout)?.[1]);
      expect(created).toBeGreaterThan(0);
      expect(stdout).toMatch(new RegExp(`acknowledged \\(PUBACK\\)\\s+${created}\\n`));
      expect(stdout).toMatch(/not acknowledged\s+0\n/);
      expect(stdout).toMatch(/past the broker\s+not observed/);
      expect(stdout).not.toMatch(/after PUBACK!/);
      await waitUntil(() => seen.size >= created, `${created} events seen by the observer`);
    } finally {
      await observer.disconnect();
    }
  });

  it('drives `smartdoor cloud` run on its own, through its loopback MQTT listener, to its bus', async () => {
    // Prepare
    const cloud = await startCloudProcess(join(dir, 'cloud'));
    try {
      // Act
      const { code, stdout } = await simulate(
        '--endpoint',
        cloud.ready.mqtt!,
        '--prefix',
        'lobby-',
        '--json',
      );
      // Assess: the doors' events changed the cloud's dashboard, which follows its bus
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ observed: 'broker', lost: 0 });
      const state = (await (await fetch(`${cloud.ready.dashboard}/api/state`)).json()) as {
        doors: Array<{ thingName: string; state: string }>;
      };
      expect(state.doors.map((d) => d.thingName).sort()).toEqual(['lobby-001', 'lobby-002', 'lobby-003']);
      expect(state.doors.every((d) => d.state !== 'unknown')).toBe(true);
    } finally {
      cloud.child.kill('SIGINT');
      await cloud.exited;
    }
  }, 60_000);

  it('drives a fleet `smartdoor provision bulk` made, each door with its own certificate', async () => {
    // Prepare: the local cloud on its own, and three doors provisioned on it
    const cloud = await startCloudProcess(join(dir, 'fleet-cloud'));
    try {
      const csv = join(dir, 'fleet.csv');
      writeFileSync(csv, 'thingName,location\nfleet-001,lobby\nfleet-002,lobby\nfleet-003,lobby\n');
      const bundles = join(dir, 'fleet-bundles');
      const provisioned = await smartdoor(
        'provision',
        'bulk',
        csv,
        '--out',
        bundles,
        '--endpoint',
        cloud.ready.aws,
        '--mqtt-endpoint',
        cloud.ready.mqtts,
        '--ca-file',
        join(cloud.ready.dataDir, 'ca', 'ca.crt'),
      );
      expect(provisioned.code).toBe(0);
      // Act
      const fleet = await simulate(
        '--endpoint',
        cloud.ready.mqtts,
        '--bundles',
        bundles,
        '--prefix',
        'fleet-',
        '--json',
      );
      const oneTooMany = await simulate(
        ...['--endpoint', cloud.ready.mqtts, '--bundles', bundles, '--prefix', 'fleet-', '--doors', '4'],
      );
      // Assess: the cloud's per-thing policy let each door in on its own certificate
      expect(fleet.code).toBe(0);
      const s = JSON.parse(fleet.stdout);
      expect(s).toMatchObject({ observed: 'broker', connects: 3, lost: 0 });
      expect(s.acknowledged).toBe(s.created);
      expect(oneTooMany.code).toBe(2);
      expect(oneTooMany.stderr).toContain(`--bundles: no bundle for fleet-004 in ${bundles}`);
    } finally {
      cloud.child.kill('SIGINT');
      await cloud.exited;
    }
  }, 90_000);

  it('fails with the reason when no door can connect, instead of running without a broker', async () => {
    // Prepare: a port nothing listens on, and a certificate mosquitto's CA did not sign.
    const closed = new TestBroker();
    await closed.start();
    const port = closed.port;
    await closed.close();
    const stranger = makeTestPki(mkdtempSync(join(dir, 'stranger-')), ['sim-fleet']);
    // And a broker that always answers with OpenSSL's error for a refused certificate, whose
    // text ends with a newline (mosquitto's alert reaches a door only now and then: it often
    // resets the connection first).
    const alerting = createServer((socket) => {
      socket.on('error', () => {});
      // A fatal TLS alert, unknown_ca (48), in reply to the ClientHello.
      socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30])));
    });
    await new Promise<void>((r) => alerting.listen(0, '127.0.0.1', () => r()));
    const alertingPort = (alerting.address() as { port: number }).port;
    // Act
    const [refused, untrusted, alerted] = await Promise.all([
      simulate('--endpoint', `mqtt://127.0.0.1:${port}`),
      simulate(
        '--endpoint',
        mosquitto.url,
        '--ca',
        pki.caCert,
        '--cert',
        stranger.clients['sim-fleet']!.cert,
        '--key',
        stranger.clients['sim-fleet']!.key,
      ),
      simulate(
        '--endpoint',
        `mqtts://127.0.0.1:${alertingPort}`,
        '--ca',
        pki.caCert,
        '--cert',
        pki.clients['sim-fleet']!.cert,
        '--key',
        pki.clients['sim-fleet']!.key,
      ),
    ]).finally(() => alerting.close());
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`no door could connect to the broker at mqtt://127.0.0.1:${port}`);
    expect(refused.stderr).toContain('ECONNREFUSED');
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(
      /no door could connect to the broker at mqtts:\/\/127\.0\.0\.1:\d+ within 10 s \(last error: .+\); check that the broker trusts the doors' certificates/,
    );
    // The error is quoted on the line it belongs to.
    expect(alerted.code).toBe(1);
    expect(alerted.stderr).toMatch(
      /within 10 s \(last error: [^\n]*tlsv1 alert unknown ca[^\n]*\); check that the broker trusts the doors' certificates/,
    );
  }, 60_000);

  it('refuses a bad endpoint, prefix or certificate choice, naming what it received', async () => {
    // Act
    const endpoint = await simulate('--endpoint', 'broker.example:8883');
    const prefix = await simulate('--endpoint', aedes.url, '--prefix', 'front door/');
    const plainBundles = await simulate('--endpoint', aedes.url, '--bundles', dir);
    const both = await simulate(
      '--endpoint',
      mosquitto.url,
      '--bundles',
      dir,
      '--cert',
      'x.pem',
      '--key',
      'x.key',
    );
    // Assess
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain('--endpoint: expected a URL like mqtts://127.0.0.1:8883');
    expect(endpoint.stderr).toContain('received "broker.example:8883"');
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toContain('--prefix: expected letters, digits');
    expect(prefix.stderr).toContain('received "front door/"');
    expect(plainBundles.stderr).toContain('--bundles: needs an mqtts:// --endpoint');
    expect(both.stderr).toContain('--bundles: give the doors either --bundles or --cert and --key, not both');
    expect([plainBundles.code, both.code]).toEqual([2, 2]);
  });
});
