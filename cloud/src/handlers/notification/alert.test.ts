import { DetailType, EventSource } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { deviceEvent } from '../../idempotency/testing/bus-events.js';
import { classify } from './alert.js';

const T = '2026-11-23T12:00:00Z';
const from = (source: string, type: string, body: Record<string, unknown>) => ({
  ...deviceEvent(type, 'door-1', T, body),
  source,
});

describe('Function: classify', () => {
  it('dates an alert with the device’s milliseconds, and an unidentified entry with its opening', () => {
    // Prepare: the envelope's time has whole seconds only.
    const held = deviceEvent(DetailType.DoorHeldOpen, 'door-1', '2026-11-23T12:00:00.987Z', {
      limitSeconds: 30,
    });
    const unidentified = {
      ...deviceEvent(DetailType.EntryUnidentified, 'door-1', '2026-11-23T12:00:15Z', {
        reason: 'no-badge',
        openedAt: '2026-11-23T12:00:04.321Z',
      }),
      source: EventSource.Identification,
    };
    delete (unidentified.detail.metadata as { occurredAt?: string }).occurredAt;
    // Act
    const [a, b] = [classify(held), classify(unidentified)];
    // Assess
    expect(a.kind === 'alert' && a.alert.occurredAt).toBe('2026-11-23T12:00:00.987Z');
    expect(b.kind === 'alert' && b.alert.occurredAt).toBe('2026-11-23T12:00:04.321Z');
  });

  it.each([
    [
      EventSource.Identification,
      DetailType.EntryUnidentified,
      { reason: 'unknown-badge' },
      'entry-unidentified:unknown-badge',
      /entry not identified \(unknown-badge\)/,
    ],
    [
      EventSource.Identification,
      DetailType.IdentificationFailed,
      { error: 'table down' },
      'identification-failed',
      /identification failed \(table down\)/,
    ],
    [
      EventSource.Device,
      DetailType.DoorHeldOpen,
      { limitSeconds: 30, openedAt: T },
      'door-held-open',
      /held open longer than 30 s/,
    ],
    [
      EventSource.Device,
      DetailType.DeviceFault,
      { fault: 'tamper', active: true, message: 'lid open' },
      'device-fault:tamper',
      /device fault tamper \(lid open\)/,
    ],
  ])('raises an alert for %s / %s', (source, type, body, reason, summary) => {
    // Prepare
    const event = from(source, type, body);
    // Act
    const c = classify(event);
    // Assess
    expect(c.kind).toBe('alert');
    if (c.kind !== 'alert') return;
    expect(c.alert).toMatchObject({ thingName: 'door-1', reason, subject: type, occurredAt: T });
    expect(c.alert.summary).toMatch(summary);
    expect(c.alert.details).not.toHaveProperty('metadata');
  });

  it('tells presence events apart and ignores what it does not handle', () => {
    // Prepare / Act
    const kinds = [
      classify(from(EventSource.Presence, DetailType.DeviceDisconnected, {})).kind,
      classify(from(EventSource.Presence, DetailType.DeviceConnected, {})).kind,
      classify(from(EventSource.Device, DetailType.DeviceFault, { fault: 'tamper', active: false })).kind,
      classify(from(EventSource.Device, DetailType.DoorStateChanged, { state: 'open' })).kind,
      classify(from(EventSource.Device, DetailType.EntryUnidentified, { reason: 'no-badge' })).kind,
    ];
    // Assess: an Entry Unidentified from the wrong source is not trusted.
    expect(kinds).toEqual(['disconnected', 'connected', 'ignored', 'ignored', 'ignored']);
  });

  it('takes presence times from the lifecycle timestamp, and ignores a duplicate-client-id disconnect', () => {
    // Prepare
    const ms = Date.parse(T) + 456;
    // Act
    const disconnected = classify(
      from(EventSource.Presence, DetailType.DeviceDisconnected, { timestamp: ms }),
    );
    const takeover = classify(
      from(EventSource.Presence, DetailType.DeviceDisconnected, {
        timestamp: ms,
        disconnectReason: 'DUPLICATE_CLIENTID',
      }),
    );
    // Assess
    expect(disconnected).toMatchObject({ kind: 'disconnected', atMs: ms });
    expect(takeover.kind).toBe('ignored');
  });
});
