import { ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalQueues } from '../queues/local-queues.js';
import { EventsValidationError } from './errors.js';
import { inProcessEventBridge } from './in-process-client.js';
import type { EventBusService } from './service.js';
import { memoryBus } from './testing/memory-bus.js';

let queues: LocalQueues;
let bus: EventBusService;
let close: () => Promise<void>;

beforeEach(() => {
  ({ queues, bus, close } = memoryBus());
  queues.createQueue('inbox');
  bus.putRule({ name: 'r', eventPattern: '{"source":["smartdoor.device"]}' });
  bus.putTargets('r', 'default', [{ id: 'inbox', arn: 'arn:aws:sqs:us-east-1:123456789012:inbox' }]);
});

afterEach(async () => {
  await close();
});

describe('Function: inProcessEventBridge', () => {
  it('puts the entries of a PutEventsCommand on the bus and answers as the API does, entry by entry', async () => {
    // Prepare
    const client = inProcessEventBridge(bus);
    const entry = {
      Source: 'smartdoor.device',
      DetailType: 'Door State Changed',
      Detail: '{"state":"open"}',
    };
    // Act
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...entry, Time: new Date('2026-11-22T10:00:00.700Z') },
          { ...entry, Detail: '{not json' },
        ],
      }),
    );
    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    const [message] = queues.receive('inbox');
    expect(JSON.parse(message!.body)).toMatchObject({
      id: out.Entries?.[0]?.EventId,
      time: '2026-11-22T10:00:00Z',
      detail: { state: 'open' },
    });
  });

  it('refuses any other command', async () => {
    // Act / Assess
    await expect(inProcessEventBridge(bus).send(new ListRulesCommand({}) as never)).rejects.toThrow(
      EventsValidationError,
    );
  });
});
