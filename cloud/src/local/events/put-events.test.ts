import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { checkEntry, checkRequestSize, formatEventTime } from './put-events.js';

const CTX = { region: 'us-east-1', account: '123456789012', now: Date.parse('2026-11-22T12:00:00.789Z') };
const OK = { Source: 's', DetailType: 'd', Detail: '{"a":1}' };

describe('Function: checkEntry', () => {
  it('builds the event with second-precision time, the default bus and empty resources', () => {
    // Act
    const out = checkEntry(OK, CTX);
    // Assess
    expect(out).toEqual({
      ok: true,
      busName: 'default',
      event: {
        version: '0',
        'detail-type': 'd',
        source: 's',
        account: '123456789012',
        time: '2026-11-22T12:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { a: 1 },
      },
    });
  });

  it('takes Time as epoch seconds (how the SDK sends it) or ISO text', () => {
    // Act
    const seconds = checkEntry({ ...OK, Time: 1_700_000_000 }, CTX);
    const iso = checkEntry({ ...OK, Time: '2020-01-02T03:04:05Z' }, CTX);
    const bad = checkEntry({ ...OK, Time: 'yesterday' }, CTX);
    // Assess
    expect(seconds.ok && seconds.event.time).toBe('2023-11-14T22:13:20Z');
    expect(iso.ok && iso.event.time).toBe('2020-01-02T03:04:05Z');
    expect(bad).toMatchObject({ ok: false, errorCode: 'InvalidArgument' });
  });

  it('names the missing field, and calls a non-object Detail malformed', () => {
    // Act + Assess
    expect(checkEntry({ ...OK, Source: undefined }, CTX)).toMatchObject({
      ok: false,
      errorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(checkEntry({ ...OK, Detail: '[1]' }, CTX)).toMatchObject({
      ok: false,
      errorCode: 'MalformedDetail',
    });
    expect(checkEntry({ ...OK, Resources: [1] }, CTX)).toMatchObject({
      ok: false,
      errorCode: 'InvalidArgument',
    });
  });

  it('fails a Detail nested over 1100 levels as MalformedDetail, without overflowing the stack', () => {
    // Prepare: `{"a":[[…[1]…]]}`, the object being the first level.
    const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;
    // Act
    const fits = checkEntry({ ...OK, Detail: nested(1100) }, CTX);
    const over = checkEntry({ ...OK, Detail: nested(1101) }, CTX);
    const poison = checkEntry({ ...OK, Detail: nested(100_000) }, CTX);
    // Assess
    expect(fits.ok).toBe(true);
    for (const out of [over, poison]) {
      expect(out).toMatchObject({
        ok: false,
        errorCode: 'MalformedDetail',
        errorMessage: 'Detail is malformed: it nests deeper than 1100 levels, the most PutEvents processes.',
      });
    }
  });

  it('counts the entry size as EventBridge does: 256 KB passes, one byte more fails', () => {
    // Prepare: Source 1 + DetailType 1 + Detail bytes.
    const detail = (n: number) => `{"x":"${'a'.repeat(n - 8)}"}`;
    const max = 256 * 1024 - 2;
    // Act
    const fits = checkEntry({ ...OK, Detail: detail(max) }, CTX);
    const over = checkEntry({ ...OK, Detail: detail(max + 1) }, CTX);
    // Assess
    expect(fits.ok).toBe(true);
    expect(over).toMatchObject({ ok: false, errorCode: 'InvalidArgument' });
  });
});

describe('Function: checkRequestSize', () => {
  it('sums the entries: 256 KB in all passes, one byte more fails naming both sizes', () => {
    // Prepare: entries of n bytes (Source 1 + DetailType 1 + Detail n - 2); four of 64 KB fill it.
    const entry = (n: number) => ({ ...OK, Detail: `{"x":"${'a'.repeat(n - 10)}"}` });
    const full = [entry(65_536), entry(65_536), entry(65_536), entry(65_536)];
    // Act + Assess
    expect(checkRequestSize(full)).toBeUndefined();
    expect(checkRequestSize([...full.slice(0, 3), entry(65_537)])).toBe(
      'Total size of the entries in the request is over the limit: 262145 bytes, more than 262144 bytes (256 KB).',
    );
    expect(checkRequestSize([{ ...OK, Time: 1, Resources: ['r'] }, { Detail: 5 }])).toBeUndefined();
  });
});

describe('Function: formatEventTime', () => {
  it('drops milliseconds', () => {
    // Act + Assess
    expect(formatEventTime(Date.parse('2026-01-01T00:00:00.999Z'))).toBe('2026-01-01T00:00:00Z');
  });
});

describe('Function: backoffDelay', () => {
  it('doubles per attempt, jitters within the upper half and stops at the ceiling', () => {
    // Act + Assess
    expect([1, 2, 3].map((a) => backoffDelay(a, { baseMs: 100 }, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((a) => backoffDelay(a, { baseMs: 100 }, () => 1))).toEqual([100, 200, 400]);
    expect(backoffDelay(50, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(1000);
  });
});
