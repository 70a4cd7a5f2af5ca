import { describe, expect, it } from 'vitest';
import { ContractValidationError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { parseDeviceEvent } from './parse-device-event.js';

const valid = {
  schemaVersion: 1,
  type: 'door.state.changed',
  thingName: 'door-001',
  seq: 42,
  occurredAt: '2026-11-22T12:00:00.123Z',
  idempotencyKey: '0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
  state: 'open',
};

/** Parse and return the error, failing the test if none is thrown. */
function errorOf(payload: unknown, thingName?: string): ContractValidationError {
  try {
    parseDeviceEvent(payload, thingName === undefined ? {} : { thingName });
  } catch (err) {
    expect(err).toBeInstanceOf(ContractValidationError);
    return err as ContractValidationError;
  }
  throw new Error('expected a ContractValidationError');
}

describe('Function: parseDeviceEvent', () => {
  it('returns the typed event when the payload is valid JSON bytes', () => {
    // Act
    const event = parseDeviceEvent(Buffer.from(JSON.stringify(valid)));
    // Assess
    expect(event).toEqual(valid);
  });

  it('drops unknown fields so that nothing unexpected travels on', () => {
    const event = parseDeviceEvent({ ...valid, badgeId: 'clear-text' });
    expect(event).not.toHaveProperty('badgeId');
  });

  it('names the missing field', () => {
    const { state: _s, ...missing } = valid;
    expect(errorOf(missing).message).toBe(
      'invalid device event: state: expected one of "open", "closed", received nothing (field missing)',
    );
  });

  it('names a field of the wrong type', () => {
    expect(errorOf({ ...valid, seq: '42' }).message).toBe(
      'invalid device event: seq: expected a number, received string "42"',
    );
  });

  it('lists the known types for an unknown event type', () => {
    expect(errorOf({ ...valid, type: 'door.exploded' }).message).toBe(
      'invalid device event: type: expected one of door.state.changed, door.held.open, badge.read, device.heartbeat, device.fault, received string "door.exploded"',
    );
  });

  it('refuses a payload over IoT Core’s 128 KB limit before parsing it', () => {
    const big = JSON.stringify({ ...valid, pad: 'x'.repeat(LIMITS.IOT_MAX_PAYLOAD_BYTES) });
    expect(errorOf(big).message).toBe(
      `invalid device event: (document): expected a payload of at most 131072 bytes, received ${Buffer.byteLength(big)} bytes`,
    );
  });

  it('says what a good timestamp looks like', () => {
    expect(errorOf({ ...valid, occurredAt: '22/11/2026 12:00' }).message).toBe(
      'invalid device event: occurredAt: expected an ISO 8601 UTC timestamp with milliseconds (2026-11-22T12:00:00.123Z), received string "22/11/2026 12:00"',
    );
  });

  it('refuses a negative seq', () => {
    expect(errorOf({ ...valid, seq: -1 }).message).toBe(
      'invalid device event: seq: expected a number >= 0, received number -1',
    );
  });

  it('refuses a non-integer seq', () => {
    expect(errorOf({ ...valid, seq: 1.5 }).message).toBe(
      'invalid device event: seq: expected an integer, received number 1.5',
    );
  });

  it('refuses an event whose thing name is not the sender’s', () => {
    const error = errorOf(valid, 'door-002');
    expect(error.message).toBe(
      'invalid device event: thingName: expected the sender\'s thing name "door-002", received string "door-001"',
    );
    expect(error.issues).toEqual([
      { path: 'thingName', expected: 'the sender\'s thing name "door-002"', received: 'string "door-001"' },
    ]);
  });

  it('reports malformed JSON with the parser’s reason', () => {
    expect(errorOf('{"type": ').message).toMatch(
      /^invalid device event: \(document\): expected a JSON document, received malformed JSON \(/,
    );
  });

  it('refuses JSON that is not an object', () => {
    expect(errorOf('[1,2]').message).toBe(
      'invalid device event: (document): expected a JSON object, received array of 2',
    );
  });

  it('lists every bad field at once', () => {
    const error = errorOf({ ...valid, seq: -3, idempotencyKey: 'nope', state: 'ajar' });
    expect(error.issues.map((i) => i.path)).toEqual(['seq', 'idempotencyKey', 'state']);
  });

  it('accepts each event type of the catalog', () => {
    const base = { ...valid } as Record<string, unknown>;
    delete base.state;
    const bodies = [
      { type: 'door.held.open', openedAt: '2026-11-22T11:59:00.000Z', limitSeconds: 30 },
      { type: 'badge.read', badgeRef: 'a'.repeat(64) },
      {
        type: 'device.heartbeat',
        uptimeSeconds: 12.5,
        doorState: 'closed',
        outboxDepth: 0,
        agentVersion: '0.1.0',
      },
      { type: 'device.fault', fault: 'sensor.flapping', active: true },
    ];
    for (const body of bodies) expect(parseDeviceEvent({ ...base, ...body }).type).toBe(body.type);
  });

  it('refuses a badge id in clear where a reference belongs', () => {
    const { state: _s, ...base } = valid;
    expect(errorOf({ ...base, type: 'badge.read', badgeRef: '0415AB12CD' }).message).toBe(
      'invalid device event: badgeRef: expected a string matching /^[0-9a-f]{64}$/, received string "0415AB12CD"',
    );
  });
});
