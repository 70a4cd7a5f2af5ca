/**
 * The local IoT Data Plane through the real @aws-sdk/client-iot-data-plane: Publish through
 * the broker, the shadow operations' error types (the SDK's exception classes, statuses and
 * messages from "Device Shadow error messages",
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html),
 * and ListNamedShadowsForThing paging.
 */
import {
  ConflictException,
  DeleteConnectionCommand,
  DeleteThingShadowCommand,
  ForbiddenException,
  GetRetainedMessageCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  ListRetainedMessagesCommand,
  PublishCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UnsupportedDocumentEncodingException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import type { LocalCloudEndpoints } from '@smartdoor/cloud';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

function connect(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** Subscribes and resolves with the first message on the topic (with its retain flag). */
async function firstMessage(c: MqttClient, topic: string): Promise<{ payload: string; retain: boolean }> {
  const got = new Promise<{ payload: string; retain: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${topic} within 5 s`)), 5000);
    c.on('message', (t, p, packet) => {
      if (t !== topic) return;
      clearTimeout(timer);
      resolve({ payload: p.toString(), retain: packet.retain });
    });
  });
  await new Promise((resolve, reject) => c.subscribe(topic, { qos: 1 }, (e) => (e ? reject(e) : resolve(e))));
  return got;
}

function end(c: MqttClient): Promise<void> {
  return new Promise((resolve) => c.end(false, {}, () => resolve()));
}

/** The rejection of a promise, to assert on its class and fields. */
async function failure(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('Service: local IoT Data Plane', () => {
  let test: TestCloud;
  let endpoints: LocalCloudEndpoints;
  let data: IoTDataPlaneClient;
  const doc = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload!).toString());

  beforeAll(async () => {
    // Plain MQTT on: the test's subscribers connect without certificates.
    test = await startTestCloud('iot-data', { config: { mqttPort: 0 } });
    ({ endpoints } = test);
    data = new IoTDataPlaneClient(test.sdk);
  });

  afterAll(async () => {
    data?.destroy();
    await test?.close();
  });

  describe('Operation: Publish', () => {
    it('reaches an MQTT subscriber through the broker', async () => {
      // Prepare
      const door = await connect(endpoints.mqtt!, 'door-601');
      const received = firstMessage(door, 'smartdoor/door-601/commands');
      await new Promise((r) => setTimeout(r, 50));

      // Act
      await data.send(
        new PublishCommand({ topic: 'smartdoor/door-601/commands', qos: 1, payload: '{"type":"buzz"}' }),
      );

      // Assess
      expect(await received).toEqual({ payload: '{"type":"buzz"}', retain: false });
      await end(door);
    });

    it('keeps a retained message for a later subscriber', async () => {
      // Act
      await data.send(
        new PublishCommand({ topic: 'smartdoor/door-602/commands', retain: true, payload: 'kept' }),
      );
      const door = await connect(endpoints.mqtt!, 'door-602');
      const received = await firstMessage(door, 'smartdoor/door-602/commands');

      // Assess
      expect(received).toEqual({ payload: 'kept', retain: true });
      await end(door);
    });

    it('updates a shadow when published to its update topic, as every broker message reaches the shadow service', async () => {
      // Act
      await data.send(
        new PublishCommand({
          topic: '$aws/things/door-603/shadow/update',
          qos: 1,
          payload: '{"state":{"reported":{"heldOpenLimitSeconds":30}}}',
        }),
      );
      let shadow: unknown;
      for (let i = 0; i < 100 && !shadow; i++) {
        shadow = await data.send(new GetThingShadowCommand({ thingName: 'door-603' })).catch(() => undefined);
        if (!shadow) await new Promise((r) => setTimeout(r, 20));
      }

      // Assess
      expect(doc((shadow as { payload: Uint8Array }).payload).state).toEqual({
        reported: { heldOpenLimitSeconds: 30 },
      });
    });

    it.each([
      ['QoS 2', { topic: 'smartdoor/door-604/commands', qos: 2 }, InvalidRequestException, 400],
      ['a wildcard topic', { topic: 'smartdoor/+/commands' }, InvalidRequestException, 400],
      [
        'a payload over 128 KB',
        { topic: 'smartdoor/door-604/commands', payload: 'x'.repeat(128 * 1024 + 1) },
        RequestEntityTooLargeException,
        413,
      ],
      [
        'a reserved lifecycle topic (a forged presence event)',
        { topic: '$aws/events/presence/connected/door-604' },
        ForbiddenException,
        403,
      ],
    ])('refuses %s', async (_what, input, type, status) => {
      // Act
      const err = await failure(data.send(new PublishCommand(input)));

      // Assess
      expect(err).toBeInstanceOf(type);
      expect(err.$metadata.httpStatusCode).toBe(status);
    });
  });

  describe('Operation: ListRetainedMessages and GetRetainedMessage', () => {
    it('lists and returns a message retained through Publish, and 404s a topic with none', async () => {
      // Prepare
      await data.send(
        new PublishCommand({ topic: 'smartdoor/door-640/status', qos: 1, retain: true, payload: 'online' }),
      );

      // Act
      const listed = await data.send(new ListRetainedMessagesCommand({}));
      const got = await data.send(new GetRetainedMessageCommand({ topic: 'smartdoor/door-640/status' }));
      const missing = await failure(
        data.send(new GetRetainedMessageCommand({ topic: 'smartdoor/door-640/none' })),
      );

      // Assess
      expect(listed.retainedTopics).toContainEqual({
        topic: 'smartdoor/door-640/status',
        payloadSize: 6,
        qos: 1,
      });
      expect([got.topic, Buffer.from(got.payload!).toString(), got.qos]).toEqual([
        'smartdoor/door-640/status',
        'online',
        1,
      ]);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Operation: DeleteConnection', () => {
    it('closes a connected client and 404s one that is not connected', async () => {
      // Prepare
      const door = await connect(endpoints.mqtt!, 'door-650');
      const closed = new Promise<void>((resolve) => door.once('close', () => resolve()));

      // Act
      await data.send(new DeleteConnectionCommand({ clientId: 'door-650' }));
      await closed;
      const missing = await failure(data.send(new DeleteConnectionCommand({ clientId: 'door-650' })));

      // Assess
      expect(door.connected).toBe(false);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
      await end(door);
    });
  });

  describe('Operation: GetThingShadow', () => {
    it('throws ResourceNotFoundException for a shadow that does not exist', async () => {
      // Act
      const err = await failure(data.send(new GetThingShadowCommand({ thingName: 'door-nobody' })));

      // Assess
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect([err.$metadata.httpStatusCode, err.message]).toEqual([
        404,
        "No shadow exists with name: 'door-nobody'",
      ]);
    });

    it('throws InvalidRequestException for a bad shadow name', async () => {
      // Act
      const err = await failure(
        data.send(new GetThingShadowCommand({ thingName: 'door-1', shadowName: 'a/b' })),
      );

      // Assess
      expect(err).toBeInstanceOf(InvalidRequestException);
    });
  });

  describe('Operation: UpdateThingShadow', () => {
    it('throws ConflictException for a stale version and accepts the current one', async () => {
      // Prepare
      const thingName = 'door-610';
      await data.send(new UpdateThingShadowCommand({ thingName, payload: '{"state":{"desired":{"a":1}}}' }));
      await data.send(new UpdateThingShadowCommand({ thingName, payload: '{"state":{"desired":{"a":2}}}' }));

      // Act
      const err = await failure(
        data.send(
          new UpdateThingShadowCommand({ thingName, payload: '{"state":{"desired":{"a":3}},"version":1}' }),
        ),
      );
      const ok = await data.send(
        new UpdateThingShadowCommand({ thingName, payload: '{"state":{"desired":{"a":3}},"version":2}' }),
      );

      // Assess
      expect(err).toBeInstanceOf(ConflictException);
      expect([err.$metadata.httpStatusCode, err.message]).toEqual([409, 'Version conflict']);
      expect(doc(ok.payload)).toMatchObject({ state: { desired: { a: 3 } }, version: 3 });
    });

    it.each([
      ['invalid JSON', '{"state":', InvalidRequestException, 400, 'Invalid JSON'],
      ['no state node', '{"desired":{}}', InvalidRequestException, 400, 'Missing required node: state'],
      [
        'a state over 8 KB',
        JSON.stringify({ state: { reported: { x: 'y'.repeat(8200) } } }),
        RequestEntityTooLargeException,
        413,
        'The payload exceeds the maximum size allowed',
      ],
      [
        'bytes that are not UTF-8',
        Buffer.from([0x7b, 0xff, 0x7d]),
        UnsupportedDocumentEncodingException,
        415,
        'Unsupported documented encoding; supported encoding is UTF-8',
      ],
    ])('throws for %s', async (_what, payload, type, status, message) => {
      // Act
      const err = await failure(data.send(new UpdateThingShadowCommand({ thingName: 'door-611', payload })));

      // Assess
      expect(err).toBeInstanceOf(type);
      expect([err.$metadata.httpStatusCode, err.message]).toEqual([status, message]);
    });
  });

  describe('Operation: DeleteThingShadow', () => {
    it('returns { version, timestamp }, then the shadow is gone', async () => {
      // Prepare
      const thingName = 'door-620';
      await data.send(new UpdateThingShadowCommand({ thingName, payload: '{"state":{"reported":{"a":1}}}' }));

      // Act
      const deleted = await data.send(new DeleteThingShadowCommand({ thingName }));
      const get = await failure(data.send(new GetThingShadowCommand({ thingName })));
      const again = await failure(data.send(new DeleteThingShadowCommand({ thingName })));

      // Assess
      expect(Object.keys(doc(deleted.payload)).sort()).toEqual(['timestamp', 'version']);
      expect(doc(deleted.payload).version).toBe(1);
      expect(get).toBeInstanceOf(ResourceNotFoundException);
      expect(again).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Operation: ListNamedShadowsForThing', () => {
    it('pages the named shadows with nextToken and leaves out the classic shadow', async () => {
      // Prepare
      const thingName = 'door-630';
      for (const shadowName of [undefined, 'c', 'a', 'b']) {
        await data.send(
          new UpdateThingShadowCommand({
            thingName,
            ...(shadowName ? { shadowName } : {}),
            payload: '{"state":{}}',
          }),
        );
      }

      // Act
      const first = await data.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 2 }));
      const second = await data.send(
        new ListNamedShadowsForThingCommand({ thingName, pageSize: 2, nextToken: first.nextToken! }),
      );
      const bad = await failure(data.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 101 })));
      const badToken = await failure(
        data.send(new ListNamedShadowsForThingCommand({ thingName, nextToken: 'not a token' })),
      );

      // Assess
      expect([first.results, second.results, second.nextToken]).toEqual([['a', 'b'], ['c'], undefined]);
      expect(typeof first.timestamp).toBe('number');
      expect(bad).toBeInstanceOf(InvalidRequestException);
      expect(badToken).toBeInstanceOf(InvalidRequestException);
    });
  });
});
