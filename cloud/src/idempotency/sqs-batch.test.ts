import { ContractValidationError } from '@smartdoor/shared';
import { describe, expect, it } from 'vitest';
import { clampDelay } from './delay-queue.js';
import { parseKeyedBusEvent } from './sqs-batch.js';
import { opened } from './testing/bus-events.js';

describe('Function: parseKeyedBusEvent', () => {
  it('returns a bus event that carries smartdoor metadata', () => {
    // Prepare
    const event = opened('door-1', '2026-11-23T12:00:00Z');
    // Act
    const parsed = parseKeyedBusEvent(JSON.stringify(event));
    // Assess
    expect(parsed).toEqual(event);
  });

  it.each([
    ['{not json', /queued bus event: \(document\): expected a JSON document, received malformed JSON/],
    [JSON.stringify({ hello: 'world' }), /version: expected "0"/],
    [
      JSON.stringify({ ...opened('door-1', '2026-11-23T12:00:00Z'), detail: { state: 'open' } }),
      /detail\.metadata: expected an object with idempotency-key and thingName, received nothing/,
    ],
  ])('refuses %s with a readable reason', (body, message) => {
    // Prepare / Act
    const parse = () => parseKeyedBusEvent(body);
    // Assess
    expect(parse).toThrow(ContractValidationError);
    expect(parse).toThrow(message);
  });
});

describe('Function: clampDelay', () => {
  it('keeps SQS DelaySeconds whole and within 0-900', () => {
    // Prepare / Act / Assess
    expect([clampDelay(-1), clampDelay(0.2), clampDelay(10), clampDelay(1_200)]).toEqual([0, 1, 10, 900]);
  });
});
