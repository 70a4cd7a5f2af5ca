import { describe, expect, it } from 'vitest';
import { DetailType, EventSource } from './catalog.js';
import type { DeviceEvent } from './device-event.js';
import { toBusEntry } from './to-bus-entry.js';

describe('Function: toBusEntry', () => {
  it('keeps the EventBridge shape with metadata carrying the idempotency key', () => {
    // Prepare
    const event: DeviceEvent = {
      schemaVersion: 1,
      type: 'door.state.changed',
      thingName: 'door-001',
      seq: 42,
      occurredAt: '2026-11-22T12:00:00.123Z',
      idempotencyKey: '0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
      state: 'open',
    };
    // Act
    const entry = toBusEntry(event, {
      region: 'eu-west-1',
      account: '123456789012',
      eventBusName: 'smartdoor',
    });
    // Assess
    expect(entry).toEqual({
      Source: EventSource.Device,
      DetailType: DetailType.DoorStateChanged,
      Time: new Date('2026-11-22T12:00:00.123Z'),
      Resources: ['arn:aws:iot:eu-west-1:123456789012:thing/door-001'],
      EventBusName: 'smartdoor',
      Detail: JSON.stringify({
        metadata: {
          'idempotency-key': event.idempotencyKey,
          seq: 42,
          thingName: 'door-001',
          occurredAt: '2026-11-22T12:00:00.123Z',
        },
        state: 'open',
      }),
    });
  });
});
