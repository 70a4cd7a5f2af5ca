import { parseDeviceEvent } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { EVENTS_RULE, IOT_RULES, PRESENCE_RULE } from '../definitions/iot-rules.js';
import { compileIotSql, evaluateIotSql } from './index.js';

/**
 * The project's own rules (cloud/src/definitions/iot-rules.ts), run through the same
 * path the local rules engine uses: what the ingest handler receives must be exactly what
 * it expects, for a real device event and for an IoT Core lifecycle event.
 */

const NOW = Date.UTC(2026, 10, 22, 12, 0, 1, 5);
const EVENT_TEXT = JSON.stringify({
  schemaVersion: 1,
  type: 'door.state.changed',
  thingName: 'door-001',
  seq: 42,
  occurredAt: '2026-11-22T12:00:00.123Z',
  idempotencyKey: '0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b',
  state: 'open',
});

describe('Rule: EVENTS_RULE', () => {
  const rule = compileIotSql(EVENTS_RULE.sql);

  it('hands the ingest function the exact device bytes, the thing name from the topic and the client id', () => {
    // Prepare
    const payload = Buffer.from(EVENT_TEXT, 'utf8');
    // Act
    const result = evaluateIotSql(
      rule,
      { topic: 'smartdoor/door-001/events', payload },
      { clientId: 'door-001', now: () => NOW },
    );
    // Assess
    expect(result.fired).toBe(true);
    if (!result.fired) return;
    const body = JSON.parse(result.payload.toString('utf8'));
    expect(Object.keys(body)).toEqual(['payload', 'thingName', 'clientId', 'receivedAt']);
    expect(body).toEqual({
      payload: payload.toString('base64'),
      thingName: 'door-001',
      clientId: 'door-001',
      receivedAt: NOW,
    });
    expect(result.json).toEqual(body);
    const event = parseDeviceEvent(Buffer.from(body.payload, 'base64'), { thingName: body.thingName });
    expect(event).toMatchObject({ type: 'door.state.changed', seq: 42, state: 'open' });
  });

  it('passes malformed bytes on unchanged, so the ingest function can reject them with a reason', () => {
    // Prepare
    const payload = Buffer.from([0x7b, 0x22, 0xff, 0x00]);
    // Act
    const result = evaluateIotSql(
      rule,
      { topic: 'smartdoor/door-002/events', payload },
      { clientId: 'door-002' },
    );
    // Assess
    expect(result.fired && result.json).toEqual({
      payload: 'eyL/AA==',
      thingName: 'door-002',
      clientId: 'door-002',
      receivedAt: expect.any(Number),
    });
  });

  it('does not fire for other topics of the door', () => {
    // Act
    const results = ['smartdoor/door-001/status', 'smartdoor/door-001/events/x', 'smartdoor/events'].map(
      (topic) => evaluateIotSql(rule, { topic, payload: Buffer.from(EVENT_TEXT) }),
    );
    // Assess
    expect(results).toEqual(Array(3).fill({ fired: false, reason: 'topic' }));
  });
});

describe('Rule: PRESENCE_RULE', () => {
  const rule = compileIotSql(PRESENCE_RULE.sql);

  it('adds the presence kind from the topic to a lifecycle event', () => {
    // Prepare: the connect event as IoT Core publishes it (developer guide, Lifecycle events).
    const lifecycle = {
      clientId: 'door-001',
      timestamp: 1_763_812_800_000,
      eventType: 'connected',
      sessionIdentifier: '00000000-0000-0000-0000-000000000000',
      principalIdentifier: '12345678901234567890123456789012',
      ipAddress: '192.0.2.10',
      versionNumber: 3,
    };
    // Act
    const result = evaluateIotSql(rule, {
      topic: '$aws/events/presence/connected/door-001',
      payload: Buffer.from(JSON.stringify(lifecycle)),
    });
    // Assess
    expect(result.fired).toBe(true);
    if (!result.fired) return;
    expect(result.payload.toString('utf8')).toBe(JSON.stringify({ ...lifecycle, presence: 'connected' }));
  });

  it('adds "disconnected" for a disconnect event', () => {
    // Prepare
    const lifecycle = {
      clientId: 'door-001',
      eventType: 'disconnected',
      disconnectReason: 'CONNECTION_LOST',
    };
    // Act
    const result = evaluateIotSql(rule, {
      topic: '$aws/events/presence/disconnected/door-001',
      payload: Buffer.from(JSON.stringify(lifecycle)),
    });
    // Assess
    expect(result.fired && result.json).toEqual({ ...lifecycle, presence: 'disconnected' });
  });

  it('does not fire for subscription lifecycle events', () => {
    // Act
    const result = evaluateIotSql(rule, {
      topic: '$aws/events/subscriptions/subscribed/door-001',
      payload: Buffer.from('{}'),
    });
    // Assess
    expect(result).toEqual({ fired: false, reason: 'topic' });
  });
});

describe('Definitions: IOT_RULES', () => {
  it('all compile for the local rules engine', () => {
    // Act / Assess
    for (const r of IOT_RULES) expect(() => compileIotSql(r.sql)).not.toThrow();
  });
});
