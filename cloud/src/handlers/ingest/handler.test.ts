import { randomUUID } from 'node:crypto';
import type {
  PutEventsCommand,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import {
  type EventBridgePort,
  type IngestErrorRecord,
  IngestHandler,
  IngestPutEventsError,
} from './handler.js';

/**
 * Roles: `bus` is an EventBridge port that records every PutEvents request and answers
 * from a script (which entries fail on which call); `errors` is the error queue.
 */
function setup(
  script: Array<(entries: PutEventsRequestEntry[]) => Array<string | undefined>> = [],
  sink?: (r: IngestErrorRecord) => Promise<void>,
) {
  const calls: PutEventsRequestEntry[][] = [];
  const sleeps: number[] = [];
  const errors: IngestErrorRecord[] = [];
  const bus: EventBridgePort = {
    async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      const failing = script[calls.length - 1]?.(entries) ?? entries.map(() => undefined);
      return {
        $metadata: {},
        FailedEntryCount: failing.filter((f) => f !== undefined).length,
        Entries: failing.map((code, i) =>
          code === undefined
            ? { EventId: `id-${calls.length}-${i}` }
            : { ErrorCode: code, ErrorMessage: `${code} happened` },
        ),
      };
    },
  };
  const handler = new IngestHandler({
    eventBridge: bus,
    errors: { send: sink ?? (async (r) => void errors.push(r)) },
    clock: { now: () => 1_000, sleep: async (ms) => void sleeps.push(ms) },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    target: { region: 'us-east-1', accountId: '123456789012', eventBusName: 'smartdoor' },
    random: () => 0.5,
  });
  return { handler, calls, sleeps, errors };
}

function ruleOutput(thingName: string, event: Record<string, unknown>) {
  return {
    payload: Buffer.from(JSON.stringify(event)).toString('base64'),
    thingName,
    clientId: thingName,
    receivedAt: 1_000,
  };
}

function doorEvent(thingName = 'door-001', extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    type: 'door.state.changed',
    thingName,
    seq: 7,
    occurredAt: '2026-11-22T12:00:00.123Z',
    idempotencyKey: randomUUID(),
    state: 'open',
    ...extra,
  };
}

describe('Class: IngestHandler', () => {
  describe('Method: handle', () => {
    it('puts a door event with source, detail-type, time, resources and metadata', async () => {
      // Prepare
      const { handler, calls } = setup();
      const event = doorEvent();

      // Act
      const result = await handler.handle(ruleOutput('door-001', event));

      // Assess
      expect(result).toEqual({ received: 1, put: 1, invalid: 0 });
      expect(calls).toHaveLength(1);
      const [entry] = calls[0]!;
      expect(entry).toMatchObject({
        Source: 'smartdoor.device',
        DetailType: 'Door State Changed',
        Time: new Date('2026-11-22T12:00:00.123Z'),
        Resources: ['arn:aws:iot:us-east-1:123456789012:thing/door-001'],
        EventBusName: 'smartdoor',
      });
      expect(JSON.parse(entry!.Detail!)).toEqual({
        metadata: {
          'idempotency-key': event.idempotencyKey,
          seq: 7,
          thingName: 'door-001',
          occurredAt: event.occurredAt,
        },
        state: 'open',
      });
    });

    it.each([
      [
        'malformed JSON',
        { payload: Buffer.from('{"type":').toString('base64'), thingName: 'door-001' },
        'malformed JSON',
      ],
      ['a thing name that is not the sender', ruleOutput('door-001', doorEvent('door-002')), 'thingName'],
      [
        'an unknown type',
        ruleOutput('door-001', doorEvent('door-001', { type: 'door.exploded' })),
        'type: expected one of',
      ],
      ['a payload that is not base64', { payload: 'not base64!', thingName: 'door-001' }, 'not base64'],
      ['something that is no rule output', { hello: 'world' }, 'not the output of a smartdoor topic rule'],
      [
        'a presence event without a session',
        { eventType: 'connected', clientId: 'door-001', timestamp: 1 },
        'sessionIdentifier',
      ],
    ])('sends %s to the error queue with the reason', async (_name, record, reason) => {
      // Prepare
      const { handler, calls, errors } = setup();

      // Act
      const result = await handler.handle(record);

      // Assess
      expect(result).toEqual({ received: 1, put: 0, invalid: 1 });
      expect(calls).toHaveLength(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.reason).toContain(reason);
      expect(errors[0]).toMatchObject({ record, at: 1_000 });
      expect(handler.stats.invalid).toBe(1);
    });

    it('puts the valid records of a batch and refuses only the invalid one', async () => {
      // Prepare
      const { handler, calls, errors } = setup();
      const batch = [
        ruleOutput('door-001', doorEvent()),
        { payload: 'x', thingName: 'door-001' },
        ruleOutput('door-003', doorEvent('door-003')),
      ];

      // Act
      const result = await handler.handle(batch);

      // Assess
      expect(result).toEqual({ received: 3, put: 2, invalid: 1 });
      expect(calls).toHaveLength(1);
      expect(calls[0]).toHaveLength(2);
      expect(errors).toHaveLength(1);
    });

    it('puts the valid records even when the error sink fails, then fails the invocation with the sink’s error', async () => {
      // Prepare
      const { handler, calls } = setup([], async () => {
        throw new Error('SQS unavailable');
      });
      const batch = [{ payload: 'e30=', thingName: 'door-001' }, ruleOutput('door-001', doorEvent())];
      // Act
      const outcome = await handler.handle(batch).catch((err: Error) => err);
      // Assess
      expect(calls).toHaveLength(1);
      expect(calls[0]).toHaveLength(1);
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/error sink failed for 1 invalid record: SQS unavailable/);
    });

    it('splits a batch into PutEvents requests of at most 10 entries', async () => {
      // Prepare
      const { handler, calls } = setup();
      const batch = Array.from({ length: 23 }, () => ruleOutput('door-001', doorEvent()));

      // Act
      await handler.handle(batch);

      // Assess
      expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    });

    it('retries only the entries PutEvents reported as failed, with backoff', async () => {
      // Prepare
      const { handler, calls, sleeps } = setup([
        (entries) => entries.map((_, i) => (i === 1 || i === 3 ? 'ThrottlingException' : undefined)),
        (entries) => entries.map((_, i) => (i === 0 ? 'InternalFailure' : undefined)),
      ]);
      const events = Array.from({ length: 4 }, (_, i) => doorEvent('door-001', { seq: i }));

      // Act
      const result = await handler.handle(events.map((e) => ruleOutput('door-001', e)));

      // Assess
      const seqs = calls.map((c) => c.map((e) => JSON.parse(e.Detail!).metadata.seq));
      expect(seqs).toEqual([[0, 1, 2, 3], [1, 3], [1]]);
      expect(sleeps).toEqual([50, 100]);
      expect(result.put).toBe(4);
      expect(handler.stats.retried).toBe(3);
    });

    it('fails the invocation, naming the error codes, when entries still fail after the last attempt', async () => {
      // Prepare
      const alwaysFailSecond = (entries: PutEventsRequestEntry[]) =>
        entries.map((_, i) =>
          (entries.length === 2 && i === 1) || entries.length === 1 ? 'InternalFailure' : undefined,
        );
      const { handler, calls } = setup(Array.from({ length: 5 }, () => alwaysFailSecond));

      // Act
      const outcome = await handler
        .handle([ruleOutput('door-001', doorEvent()), ruleOutput('door-001', doorEvent())])
        .catch((e: unknown) => e);

      // Assess
      expect(outcome).toBeInstanceOf(IngestPutEventsError);
      expect((outcome as IngestPutEventsError).failures).toEqual([
        {
          errorCode: 'InternalFailure',
          errorMessage: 'InternalFailure happened',
          detailType: 'Door State Changed',
        },
      ]);
      expect(calls.map((c) => c.length)).toEqual([2, 1, 1, 1, 1]);
    });

    it('turns a lifecycle event into Device Disconnected with a derived idempotency key', async () => {
      // Prepare
      const { handler, calls } = setup();
      const lifecycle = {
        clientId: 'door-001',
        timestamp: Date.parse('2026-11-22T12:00:00.000Z'),
        eventType: 'disconnected',
        sessionIdentifier: 'a4666d2a7d844ae4ac5d7b38c9cb7967',
        principalIdentifier: 'abc',
        clientInitiatedDisconnect: false,
        disconnectReason: 'MQTT_KEEP_ALIVE_TIMEOUT',
        versionNumber: 3,
        presence: 'disconnected',
      };

      // Act
      await handler.handle(lifecycle);
      await handler.handle(lifecycle);

      // Assess
      const [first, second] = calls.map((c) => c[0]!);
      expect(first).toMatchObject({
        Source: 'smartdoor.presence',
        DetailType: 'Device Disconnected',
        Time: new Date('2026-11-22T12:00:00.000Z'),
        Resources: ['arn:aws:iot:us-east-1:123456789012:thing/door-001'],
      });
      const detail = JSON.parse(first!.Detail!);
      expect(detail).toMatchObject({
        disconnectReason: 'MQTT_KEEP_ALIVE_TIMEOUT',
        metadata: { thingName: 'door-001' },
      });
      expect(detail).not.toHaveProperty('presence');
      expect(detail.metadata['idempotency-key']).toBe(
        JSON.parse(second!.Detail!).metadata['idempotency-key'],
      );
    });

    it('puts a lifecycle event that carries thingName (exclusive thing association) as presence', async () => {
      // Prepare: IoT Core adds thingName when the certificate is exclusively attached to the thing.
      const { handler, calls, errors } = setup();
      const lifecycle = {
        clientId: 'door-SN1',
        thingName: 'door-SN1',
        timestamp: Date.parse('2026-11-22T12:00:00.000Z'),
        eventType: 'connected',
        sessionIdentifier: 'a4666d2a7d844ae4ac5d7b38c9cb7967',
        principalIdentifier: 'abc',
        versionNumber: 0,
        presence: 'connected',
      };

      // Act
      const result = await handler.handle(lifecycle);

      // Assess
      expect(errors).toEqual([]);
      expect(result).toEqual({ received: 1, put: 1, invalid: 0 });
      expect(calls[0]![0]).toMatchObject({ Source: 'smartdoor.presence', DetailType: 'Device Connected' });
    });

    it.each([
      'connected',
      'disconnected',
    ])('drops the %s event of a fleet provisioning claim client: it is no door', async (eventType) => {
      // Prepare: the claim connection of a door being provisioned (client id claim-<serial>).
      const { handler, calls, errors } = setup();
      const lifecycle = {
        clientId: 'claim-SN1',
        timestamp: Date.parse('2026-11-22T12:00:00.000Z'),
        eventType,
        sessionIdentifier: 'a4666d2a7d844ae4ac5d7b38c9cb7967',
        principalIdentifier: 'abc',
        versionNumber: 0,
        presence: eventType,
      };

      // Act
      const result = await handler.handle(lifecycle);

      // Assess: no bus event (no false device-offline alert), and nothing for the error queue.
      expect(calls).toEqual([]);
      expect(errors).toEqual([]);
      expect(result).toEqual({ received: 1, put: 0, invalid: 0 });
      expect(handler.stats).toMatchObject({ received: 1, put: 0, invalid: 0, ignored: 1 });
    });
  });
});
