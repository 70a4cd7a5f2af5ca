import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusEvent } from '@smartdoor/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalescePutEvents } from '../../cloud/src/local/subscriber-thread/put-events-coalescer.js';
import { startTestCloud, type TestCloud } from '../support/test-cloud.js';

// Roles: `cloud` is the real local cloud; `client` the real SDK client against its endpoint,
// with a middleware counting the HTTP requests it makes; `port` the coalescer over it.
let t: TestCloud;
let client: EventBridgeClient;
let requests = 0;
const onBus: BusEvent[] = [];

beforeAll(async () => {
  t = await startTestCloud('smartdoor-coalesce');
  t.cloud.subscribeBus((e) => onBus.push(e));
  client = new EventBridgeClient(t.sdk);
  client.middlewareStack.add(
    (next) => async (args) => {
      requests++;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
});
afterAll(async () => {
  client.destroy();
  await t.close();
});

const entry = (n: number, bus?: string): PutEventsRequestEntry => ({
  Source: 'smartdoor.identification',
  DetailType: 'Coalesce Test',
  Detail: JSON.stringify({ n }),
  EventBusName: bus ?? t.cloud.config.eventBusName,
});

describe('Function: coalescePutEvents', () => {
  it('puts the calls of one turn in requests of up to 10 entries, each caller answered for its own', async () => {
    // Prepare
    const port = coalescePutEvents(client);
    requests = 0;
    // Act: 23 callers at once, one of them with two entries
    const outs = await Promise.all([
      ...Array.from({ length: 22 }, (_, i) => port.send(new PutEventsCommand({ Entries: [entry(i)] }))),
      port.send(new PutEventsCommand({ Entries: [entry(100), entry(101)] })),
    ]);
    // Assess
    expect(requests).toBe(3);
    expect(outs.map((o) => o.Entries?.length)).toEqual([...Array(22).fill(1), 2]);
    const ids = outs.flatMap((o) => o.Entries!.map((e) => e.EventId));
    const seen = new Map(onBus.map((e) => [e.id, (e.detail as { n: number }).n]));
    expect(ids.map((id) => seen.get(id!))).toEqual([...Array.from({ length: 22 }, (_, i) => i), 100, 101]);
  });

  it("reports a failed entry to its caller only, with that caller's FailedEntryCount", async () => {
    // Prepare
    const port = coalescePutEvents(client);
    // Act
    const [good, bad] = await Promise.all([
      port.send(new PutEventsCommand({ Entries: [entry(1)] })),
      port.send(new PutEventsCommand({ Entries: [entry(2, 'no-such-bus')] })),
    ]);
    // Assess
    expect(good.FailedEntryCount).toBe(0);
    expect(bad.FailedEntryCount).toBe(1);
    expect(bad.Entries?.[0]?.ErrorMessage).toMatch(/no-such-bus does not exist/);
  });
});
