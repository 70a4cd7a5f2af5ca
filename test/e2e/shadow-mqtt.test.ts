/**
 * Device shadows over the local cloud's broker and AWS endpoint, as a device (MQTT.js on
 * the reserved shadow topics) and an app (@aws-sdk/client-iot-data-plane) use them. Each
 * case cites the AWS page whose worked example it follows:
 * - DEVICES: "Using shadows in devices", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-comms-device.html
 * - APPS: "Using shadows in apps and services", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-comms-app.html
 * - DATA-FLOW: "Interacting with shadows", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 * - MQTT: "Device Shadow MQTT topics", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
 *
 * Roles: `device` is an MQTT client whose client id is the thing name (the development TCP
 * listener: the per-thing policy lets it use only its own shadow topics); `app` is the SDK.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetThingShadowCommand,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { LocalCloud, type LocalCloudEndpoints } from '@smartdoor/cloud';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

type Doc = Record<string, unknown>;

/** An MQTT client that keeps every message, so a test can await the next one on a topic. */
class Device {
  readonly #inbox: Array<{ topic: string; doc: Doc }> = [];
  readonly #waiters: Array<() => void> = [];
  #read = 0;

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.#inbox.push({ topic, doc: JSON.parse(payload.toString()) as Doc });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async connect(url: string, clientId: string, subscriptions: string[]): Promise<Device> {
    const client = mqtt.connect(url, { clientId, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    // DEVICES: "subscribe to the response topics before you publish a request topic".
    await new Promise((resolve, reject) =>
      client.subscribe(subscriptions, { qos: 1 }, (err) => (err ? reject(err) : resolve(undefined))),
    );
    return new Device(client);
  }

  async publish(topic: string, payload: Doc | string): Promise<void> {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    await new Promise((resolve, reject) =>
      this.client.publish(topic, body, { qos: 1 }, (err) => (err ? reject(err) : resolve(undefined))),
    );
  }

  /** The next message not read yet; fails after 5 s. */
  async next(): Promise<{ topic: string; doc: Doc }> {
    const until = Date.now() + 5000;
    while (this.#read >= this.#inbox.length) {
      if (Date.now() > until) throw new Error('no shadow message within 5 s');
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, 100);
      });
    }
    return this.#inbox[this.#read++]!;
  }

  /** The next `count` messages, as topic suffixes after the shadow prefix, with their documents. */
  async take(count: number, prefix: string): Promise<Array<[string, Doc]>> {
    const out: Array<[string, Doc]> = [];
    for (let i = 0; i < count; i++) {
      const m = await this.next();
      out.push([m.topic.slice(prefix.length + 1), m.doc]);
    }
    return out;
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.client.end(false, {}, () => resolve()));
  }
}

const RESPONSES = [
  'update/accepted',
  'update/rejected',
  'update/delta',
  'update/documents',
  'get/accepted',
  'get/rejected',
  'delete/accepted',
  'delete/rejected',
];
const subscriptionsFor = (prefix: string) => RESPONSES.map((r) => `${prefix}/${r}`);

/** Timestamps differ between runs: compare documents with them replaced. */
function withoutTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'timestamp' && typeof v === 'number' ? 'T' : withoutTimes(v),
      ]),
    );
  }
  return value;
}

describe('Service: Device Shadow (MQTT topics and the IoT Data Plane SDK)', () => {
  let dir: string;
  let cloud: LocalCloud;
  let endpoints: LocalCloudEndpoints;
  let app: IoTDataPlaneClient;
  const devices: Device[] = [];
  const config = () => ({ dataDir: join(dir, 'cloud'), mqttPort: 0, mqttsPort: 0, awsPort: 0, httpPort: 0 });
  const options = { logger: pino({ level: 'silent' }), dashboard: false };

  async function device(thing: string, prefix = `$aws/things/${thing}/shadow`): Promise<Device> {
    const d = await Device.connect(endpoints.mqtt!, thing, subscriptionsFor(prefix));
    devices.push(d);
    return d;
  }

  async function appGet(thingName: string, shadowName?: string): Promise<Doc> {
    const out = await app.send(
      new GetThingShadowCommand({ thingName, ...(shadowName ? { shadowName } : {}) }),
    );
    return JSON.parse(Buffer.from(out.payload!).toString()) as Doc;
  }

  /**
   * The shadow service answers named shadows and delete over MQTT, as IoT Core does for a
   * client whose policy allows them. The door policy the broker enforces does not (a door
   * uses its classic shadow's get and update only), so these things get their whole
   * shadow subtree here.
   */
  const grantWholeShadow = (c: LocalCloud) =>
    c.broker.setPolicyOverride((req) =>
      req.action !== 'connect' && req.topic?.startsWith(`$aws/things/${req.clientId}/shadow/`)
        ? { allow: true }
        : undefined,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shadow-mqtt-'));
    cloud = new LocalCloud(config(), options);
    endpoints = await cloud.start();
    grantWholeShadow(cloud);
    app = new IoTDataPlaneClient({
      endpoint: endpoints.aws,
      region: cloud.config.region,
      credentials: cloud.config.credentials,
    });
  });

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.end()));
  });

  afterAll(async () => {
    app?.destroy();
    await cloud?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('Operation: get and update over MQTT', () => {
    it('rejects get before the shadow exists, creates it with a reported update, then returns it (DEVICES: Initializing the device on first connection)', async () => {
      // Prepare
      const prefix = '$aws/things/My_IoT_Thing/shadow';
      const d = await device('My_IoT_Thing');

      // Act
      await d.publish(`${prefix}/get`, '');
      const rejected = await d.take(1, prefix);
      await d.publish(`${prefix}/update`, { state: { reported: { welcome: 'aws-iot', color: 'yellow' } } });
      const created = await d.take(2, prefix);
      await d.publish(`${prefix}/get`, '');
      const got = await d.take(1, prefix);

      // Assess
      expect(withoutTimes(rejected)).toEqual([
        [
          'get/rejected',
          { code: 404, message: "No shadow exists with name: 'My_IoT_Thing'", timestamp: 'T' },
        ],
      ]);
      expect(created.map(([t]) => t)).toEqual(['update/accepted', 'update/documents']);
      expect(withoutTimes(got)).toEqual([
        [
          'get/accepted',
          {
            state: { reported: { welcome: 'aws-iot', color: 'yellow' } },
            metadata: { reported: { welcome: { timestamp: 'T' }, color: { timestamp: 'T' } } },
            version: 1,
            timestamp: 'T',
          },
        ],
      ]);
    });

    it('answers a named shadow on its own prefix, and the SDK lists it (DEVICES: named shadows; MQTT)', async () => {
      // Prepare
      const prefix = '$aws/things/door-named/shadow/name/namedShadow1';
      const d = await device('door-named', prefix);

      // Act
      await d.publish(`${prefix}/update`, { state: { reported: { locked: true } }, clientToken: 'n-1' });
      const answers = await d.take(2, prefix);
      const listed = await app.send(new ListNamedShadowsForThingCommand({ thingName: 'door-named' }));

      // Assess
      expect(withoutTimes(answers[0])).toEqual([
        'update/accepted',
        {
          state: { reported: { locked: true } },
          metadata: { reported: { locked: { timestamp: 'T' } } },
          version: 1,
          timestamp: 'T',
          clientToken: 'n-1',
        },
      ]);
      expect(listed.results).toEqual(['namedShadow1']);
      expect(await appGet('door-named', 'namedShadow1')).toMatchObject({
        state: { reported: { locked: true } },
      });
    });

    it('publishes update/rejected with the error document for a bad request (DATA-FLOW: Optimistic locking)', async () => {
      // Prepare
      const prefix = '$aws/things/door-stale/shadow';
      const d = await device('door-stale');
      await d.publish(`${prefix}/update`, { state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } } });
      await d.take(3, prefix);

      // Act
      await d.publish(`${prefix}/update`, {
        state: { desired: { colors: ['BLUE'] } },
        version: 9,
        clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6',
      });
      const answer = await d.take(1, prefix);

      // Assess
      expect(withoutTimes(answer)).toEqual([
        [
          'update/rejected',
          {
            code: 409,
            message: 'Version conflict',
            timestamp: 'T',
            clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6',
          },
        ],
      ]);
    });
  });

  describe('Operation: UpdateThingShadow with a device listening', () => {
    it('sends the device the delta of an app update, and none once it reports the desired state (DATA-FLOW: Updating a shadow; APPS)', async () => {
      // Prepare
      const prefix = '$aws/things/door-app/shadow';
      const d = await device('door-app');
      const desired = { color: { r: 10 }, engine: 'ON' };

      // Act
      await app.send(
        new UpdateThingShadowCommand({
          thingName: 'door-app',
          payload: JSON.stringify({ state: { desired } }),
        }),
      );
      const afterApp = await d.take(3, prefix);
      await d.publish(`${prefix}/update`, { state: { reported: desired } });
      const afterDevice = await d.take(2, prefix);

      // Assess
      expect(afterApp.map(([t]) => t)).toEqual(['update/accepted', 'update/delta', 'update/documents']);
      expect(withoutTimes(afterApp[1]![1])).toEqual({
        state: desired,
        metadata: { color: { r: { timestamp: 'T' } }, engine: { timestamp: 'T' } },
        version: 1,
        timestamp: 'T',
      });
      expect(afterDevice.map(([t]) => t)).toEqual(['update/accepted', 'update/documents']);
      expect(withoutTimes(afterDevice[1]![1])).toMatchObject({
        previous: { state: { desired }, version: 1 },
        current: { state: { desired, reported: desired }, version: 2 },
      });
      expect((await appGet('door-app')).state).toEqual({ desired, reported: desired });
    });
  });

  describe('Operation: the same sequence through MQTT and through the SDK', () => {
    it('ends in the same document either way (DATA-FLOW: update, delete a property, empty the desired section)', async () => {
      // Prepare
      const steps = [
        { state: { desired: { color: { r: 10 }, engine: 'ON' } } },
        { state: { reported: { color: { r: 10 }, engine: 'OFF' } } },
        { state: { desired: { engine: null } } },
        { state: { reported: { color: { g: 3 } }, desired: null } },
      ];
      const prefix = '$aws/things/door-mqtt/shadow';
      const d = await device('door-mqtt');

      // Act
      const viaMqtt: unknown[] = [];
      for (const step of steps) {
        await d.publish(`${prefix}/update`, step);
        const [accepted] = await d.take(step === steps[0] || step === steps[1] ? 3 : 2, prefix);
        viaMqtt.push(withoutTimes(accepted![1]));
      }
      const viaSdk: unknown[] = [];
      for (const step of steps) {
        const out = await app.send(
          new UpdateThingShadowCommand({ thingName: 'door-sdk', payload: JSON.stringify(step) }),
        );
        viaSdk.push(withoutTimes(JSON.parse(Buffer.from(out.payload!).toString())));
      }

      // Assess
      expect(viaSdk).toEqual(viaMqtt);
      const final = withoutTimes(await appGet('door-mqtt'));
      expect(withoutTimes(await appGet('door-sdk'))).toEqual(final);
      expect(final).toEqual({
        state: { reported: { color: { r: 10, g: 3 }, engine: 'OFF' } },
        metadata: {
          reported: { color: { r: { timestamp: 'T' }, g: { timestamp: 'T' } }, engine: { timestamp: 'T' } },
        },
        version: 4,
        timestamp: 'T',
      });
    });
  });

  describe('Operation: restart', () => {
    it('keeps shadows and the version of a deleted one across a restart of the local cloud', async () => {
      // Prepare
      await app.send(
        new UpdateThingShadowCommand({ thingName: 'door-durable', payload: '{"state":{"desired":{"a":1}}}' }),
      );
      await app.send(
        new UpdateThingShadowCommand({
          thingName: 'door-durable',
          shadowName: 'gone',
          payload: '{"state":{"desired":{"a":1}}}',
        }),
      );
      const d = await device('door-durable', '$aws/things/door-durable/shadow/name/gone');
      await d.publish('$aws/things/door-durable/shadow/name/gone/delete', '');
      await d.take(1, '$aws/things/door-durable/shadow/name/gone');
      await Promise.all(devices.splice(0).map((x) => x.end()));

      // Act
      await cloud.stop();
      cloud = new LocalCloud(config(), options);
      endpoints = await cloud.start();
      grantWholeShadow(cloud);
      app.destroy();
      app = new IoTDataPlaneClient({
        endpoint: endpoints.aws,
        region: cloud.config.region,
        credentials: cloud.config.credentials,
      });
      const kept = await appGet('door-durable');
      const recreated = await app.send(
        new UpdateThingShadowCommand({
          thingName: 'door-durable',
          shadowName: 'gone',
          payload: '{"state":{"desired":{"a":2}}}',
        }),
      );

      // Assess
      expect(kept).toMatchObject({ state: { desired: { a: 1 }, delta: { a: 1 } }, version: 1 });
      expect(JSON.parse(Buffer.from(recreated.payload!).toString()).version).toBe(2);
    });
  });
});
