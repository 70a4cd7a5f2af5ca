import { describe, expect, it } from 'vitest';
import { isThrottling, withBackoff } from './backoff.js';

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

describe('Function: withBackoff', () => {
  it('retries throttled calls with growing, jittered waits until one succeeds', async () => {
    // Prepare
    const waits: number[] = [];
    let calls = 0;
    const fn = async () => {
      calls++;
      if (calls < 4) throw throttled();
      return 'ok';
    };

    // Act
    const result = await withBackoff(fn, {
      baseMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });

    // Assess
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(waits).toEqual([50, 100, 200]);
  });

  it('gives up after maxAttempts and throws the last throttling error', async () => {
    // Prepare
    let calls = 0;
    const fn = async () => {
      calls++;
      throw throttled();
    };

    // Act
    const act = withBackoff(fn, { maxAttempts: 3, sleep: async () => {} });

    // Assess
    await expect(act).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    // Prepare
    let calls = 0;
    const fn = async () => {
      calls++;
      throw Object.assign(new Error('no such thing'), { name: 'ResourceNotFoundException' });
    };

    // Act
    const act = withBackoff(fn, { sleep: async () => {} });

    // Assess
    await expect(act).rejects.toThrow('no such thing');
    expect(calls).toBe(1);
  });

  it('caps the wait at capMs', async () => {
    // Prepare
    const waits: number[] = [];
    let calls = 0;
    const fn = async () => {
      if (++calls < 8) throw throttled();
    };

    // Act
    await withBackoff(fn, {
      baseMs: 1000,
      capMs: 3000,
      random: () => 0.999,
      sleep: async (ms) => void waits.push(ms),
    });

    // Assess
    expect(Math.max(...waits)).toBeLessThan(3000);
    expect(waits.at(-1)).toBe(2997);
  });
});

describe('Function: isThrottling', () => {
  it('knows ThrottlingException, TooManyRequestsException and HTTP 429', () => {
    // Assess
    expect(isThrottling(throttled())).toBe(true);
    expect(isThrottling({ name: 'TooManyRequestsException' })).toBe(true);
    expect(isThrottling({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottling({ name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } })).toBe(false);
  });
});
