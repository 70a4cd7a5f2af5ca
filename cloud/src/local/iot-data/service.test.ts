/**
 * The shadow service over a real (in-process) IotBroker: requests published on the
 * reserved topics, answers observed as every subscriber would see them.
 * MQTT: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IotBroker } from '../iot/broker.js';
import { ShadowService } from './service.js';
import { MemoryShadowStore } from './store.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const HOUR = 3600 * 1000;

describe('Class: ShadowService', () => {
  let broker: IotBroker;
  let service: ShadowService;
  let now: number;
  let seen: Array<{ topic: string; doc: Record<string, unknown> }>;

  beforeEach(async () => {
    now = Date.UTC(2026, 10, 22, 12, 0, 0);
    broker = new IotBroker({ logger: silent });
    await broker.start();
    service = new ShadowService({ store: new MemoryShadowStore(), now: () => now });
    service.start(broker);
    seen = [];
    broker.onMessage('$aws/things/+/shadow/#', (m) => {
      if (/\/(accepted|rejected|delta|documents)$/.test(m.topic)) {
        seen.push({ topic: m.topic, doc: JSON.parse(m.payload.toString()) });
      }
    });
  });

  afterEach(async () => {
    await service.stop();
    await broker.stop();
  });

  /** Publishes a request as a device would and waits for the service's answers. */
  async function request(topic: string, payload: unknown, answers: number) {
    const before = seen.length;
    await broker.publish({ topic, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    for (let i = 0; i < 100 && seen.length < before + answers; i++)
      await new Promise((r) => setTimeout(r, 5));
    return seen.slice(before);
  }

  describe('Method: start (MQTT requests)', () => {
    it('answers an update with accepted, delta and documents, in that order', async () => {
      // Act
      const answers = await request(
        '$aws/things/door-1/shadow/update',
        { state: { desired: { heldOpenLimitSeconds: 45 } }, clientToken: 'u1' },
        3,
      );

      // Assess
      expect(answers.map((a) => a.topic)).toEqual([
        '$aws/things/door-1/shadow/update/accepted',
        '$aws/things/door-1/shadow/update/delta',
        '$aws/things/door-1/shadow/update/documents',
      ]);
      expect(answers[1]!.doc).toMatchObject({
        state: { heldOpenLimitSeconds: 45 },
        version: 1,
        clientToken: 'u1',
      });
    });

    it('answers a named shadow on its own topics', async () => {
      // Act
      const answers = await request(
        '$aws/things/door-1/shadow/name/lock/update',
        { state: { reported: { on: true } } },
        2,
      );

      // Assess
      expect(answers.map((a) => a.topic)).toEqual([
        '$aws/things/door-1/shadow/name/lock/update/accepted',
        '$aws/things/door-1/shadow/name/lock/update/documents',
      ]);
      expect(service.get('door-1', 'lock').state).toEqual({ reported: { on: true } });
      expect(() => service.get('door-1', undefined)).toThrow("No shadow exists with name: 'door-1'");
    });

    it('publishes the error document on update/rejected with the clientToken', async () => {
      // Act
      const answers = await request('$aws/things/door-1/shadow/update', { clientToken: 'bad-1' }, 1);

      // Assess
      expect(answers).toEqual([
        {
          topic: '$aws/things/door-1/shadow/update/rejected',
          doc: {
            code: 400,
            message: 'Missing required node: state',
            timestamp: now / 1000,
            clientToken: 'bad-1',
          },
        },
      ]);
    });

    it('rejects a request on a shadow name IoT Core does not allow with 400', async () => {
      // Act
      const answers = await request('$aws/things/door-1/shadow/name/bad.name/update', { state: {} }, 1);

      // Assess
      expect(answers[0]?.topic).toBe('$aws/things/door-1/shadow/name/bad.name/update/rejected');
      expect(answers[0]?.doc).toMatchObject({
        code: 400,
        message: expect.stringContaining('Invalid shadow name'),
      });
    });

    it('answers 500 Internal service failure when the store fails, and keeps serving', async () => {
      // Prepare
      await service.stop();
      const store = new MemoryShadowStore();
      let broken = true;
      const put = store.put.bind(store);
      store.put = (...args) => {
        if (broken) throw new Error('disk full');
        put(...args);
      };
      service = new ShadowService({ store, now: () => now });
      service.start(broker);

      // Act
      const failed = await request('$aws/things/door-1/shadow/update', { state: { reported: { a: 1 } } }, 1);
      broken = false;
      const served = await request('$aws/things/door-1/shadow/update', { state: { reported: { a: 1 } } }, 2);

      // Assess
      expect(failed[0]?.doc).toEqual({
        code: 500,
        message: 'Internal service failure',
        timestamp: now / 1000,
      });
      expect(served[0]?.topic).toBe('$aws/things/door-1/shadow/update/accepted');
    });

    it('answers get with 404 on get/rejected before the shadow exists, and the document after', async () => {
      // Act
      const missing = await request('$aws/things/door-1/shadow/get', '', 1);
      await request('$aws/things/door-1/shadow/update', { state: { desired: { a: 1 } } }, 3);
      const found = await request('$aws/things/door-1/shadow/get', { clientToken: 'g1' }, 1);

      // Assess
      expect(missing[0]).toEqual({
        topic: '$aws/things/door-1/shadow/get/rejected',
        doc: { code: 404, message: "No shadow exists with name: 'door-1'", timestamp: now / 1000 },
      });
      expect(found[0]?.topic).toBe('$aws/things/door-1/shadow/get/accepted');
      expect(found[0]?.doc).toMatchObject({
        state: { desired: { a: 1 }, delta: { a: 1 } },
        version: 1,
        clientToken: 'g1',
      });
    });

    it('deletes with delete/accepted { version, timestamp } and 404 the second time', async () => {
      // Prepare
      await request('$aws/things/door-1/shadow/update', { state: { reported: { a: 1 } } }, 2);
      await request('$aws/things/door-1/shadow/update', { state: { reported: { a: 2 } } }, 2);

      // Act
      const first = await request('$aws/things/door-1/shadow/delete', '', 1);
      const second = await request('$aws/things/door-1/shadow/delete', '', 1);

      // Assess
      expect(first).toEqual([
        { topic: '$aws/things/door-1/shadow/delete/accepted', doc: { version: 2, timestamp: now / 1000 } },
      ]);
      expect(second[0]?.topic).toBe('$aws/things/door-1/shadow/delete/rejected');
      expect(second[0]?.doc.code).toBe(404);
    });
  });

  describe('Method: update', () => {
    it('continues the version of a shadow deleted less than 48 hours ago, and restarts after (Interacting with shadows: DELETE)', () => {
      // Prepare
      for (let i = 0; i < 3; i++) service.update('door-1', undefined, '{"state":{"reported":{"a":1}}}');
      service.delete('door-1', undefined);
      now += 47 * HOUR;

      // Act
      const within = service.update('door-1', undefined, '{"state":{"reported":{"a":1}}}');
      service.delete('door-1', undefined);
      now += 49 * HOUR;
      const after = service.update('door-1', undefined, '{"state":{"reported":{"a":1}}}');

      // Assess
      expect([within.version, after.version]).toEqual([4, 1]);
    });

    it('refuses a bad thing or shadow name with InvalidRequestException', () => {
      // Act
      const act = [
        () => service.update('door 1', undefined, '{"state":{}}'),
        () => service.update('door-1', 'x'.repeat(65), '{"state":{}}'),
      ];

      // Assess
      for (const fn of act) expect(fn).toThrow(expect.objectContaining({ code: 'InvalidRequestException' }));
    });
  });

  describe('Method: listNamedShadows', () => {
    it('pages the named shadows and leaves out the classic one', () => {
      // Prepare
      for (const name of ['b', 'a', 'c']) service.update('door-1', name, '{"state":{}}');
      service.update('door-1', undefined, '{"state":{}}');

      // Act
      const first = service.listNamedShadows('door-1', undefined, 2);
      const second = service.listNamedShadows('door-1', 'b', 2);

      // Assess
      expect(first).toEqual({ results: ['a', 'b'], more: true });
      expect(second).toEqual({ results: ['c'], more: false });
    });
  });
});
