import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventBusArn, thingArn } from './arn.js';
import { ContractValidationError, describeValue } from './errors.js';
import { BusEvent, EntryUnidentifiedDetail } from './events/bus-event.js';
import { parseWith } from './validation.js';

/** The issues a schema reports for an input. */
function issuesOf(schema: z.ZodType, input: unknown) {
  try {
    parseWith(schema, input, 'thing');
  } catch (err) {
    return (err as ContractValidationError).issues;
  }
  throw new Error('expected a ContractValidationError');
}

describe('Function: parseWith', () => {
  it.each([
    [z.number().max(5), 6, 'a number <= 5'],
    [z.number().lt(5), 5, 'a number < 5'],
    [z.number().gt(5), 5, 'a number > 5'],
    [z.string().max(2), 'abc', 'at most 2 characters'],
    [z.array(z.number()).max(1), [1, 2], 'at most 1 items'],
    [z.array(z.number()).min(1), [], 'at least 1 items'],
    [z.number().multipleOf(3), 4, 'a multiple of 3'],
    [z.strictObject({}), { x: 1 }, 'no unknown keys (x)'],
    [z.email(), 'no', 'a email string'],
    [z.literal('a'), 'b', '"a"'],
    [z.number().refine(() => false, 'custom reason'), 1, 'custom reason'],
  ])('says what %s expected', (schema, input, expected) => {
    expect(issuesOf(schema, input)[0]?.expected).toBe(expected);
  });

  it('reports paths inside arrays and nested objects', () => {
    const schema = z.object({ a: z.array(z.object({ b: z.number() })) });
    expect(issuesOf(schema, { a: [{ b: 1 }, { b: 'x' }] })).toEqual([
      { path: 'a.1.b', expected: 'a number', received: 'string "x"' },
    ]);
    expect(issuesOf(schema, { a: 3 })).toEqual([{ path: 'a', expected: 'a array', received: 'number 3' }]);
    expect(issuesOf(schema, null)).toEqual([{ path: '', expected: 'a object', received: 'null' }]);
  });

  it('returns the parsed value when valid', () => {
    expect(parseWith(z.object({ a: z.number().default(1) }), {}, 'thing')).toEqual({ a: 1 });
  });
});

describe('Function: describeValue', () => {
  it('shortens long strings and names other types', () => {
    expect(describeValue('x'.repeat(50))).toBe(`string "${'x'.repeat(37)}..."`);
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue({})).toBe('object');
    expect(new ContractValidationError('thing', [{ path: '', expected: 'a', received: 'b' }]).message).toBe(
      'invalid thing: (document): expected a, received b',
    );
  });
});

describe('Module: arn', () => {
  it('builds thing and bus ARNs', () => {
    expect(thingArn('us-east-1', '000000000000', 'door-1')).toBe(
      'arn:aws:iot:us-east-1:000000000000:thing/door-1',
    );
    expect(eventBusArn('us-east-1', '000000000000', 'smartdoor')).toBe(
      'arn:aws:events:us-east-1:000000000000:event-bus/smartdoor',
    );
  });
});

describe('Schema: bus events', () => {
  it('accepts the documented envelope and a subscriber detail', () => {
    const metadata = { 'idempotency-key': '0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b', thingName: 'door-1' };
    const detail = EntryUnidentifiedDetail.parse({
      metadata,
      reason: 'no-badge',
      openedAt: '2026-11-22T12:00:00.000Z',
    });
    const event = BusEvent.parse({
      version: '0',
      id: '1',
      'detail-type': 'Entry Unidentified',
      source: 'smartdoor.identification',
      account: '000000000000',
      time: '2026-11-22T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    });
    expect(event.detail).toEqual(detail);
  });
});
