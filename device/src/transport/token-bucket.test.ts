import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { fullJitterDelay } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

describe('Class: TokenBucket', () => {
  describe('Method: take', () => {
    it('hands out the burst at once, then one token per 1/rate seconds, in order', async () => {
      // Prepare
      const clock = new ManualClock(0);
      const bucket = new TokenBucket(100, 100, clock);
      const order: number[] = [];
      // Act
      for (let i = 0; i < 100; i++) await bucket.take();
      const waiting = [1, 2, 3].map((n) => bucket.take().then(() => order.push(n)));
      await Promise.resolve();
      const before = order.length;
      clock.advance(10);
      await Promise.resolve();
      clock.advance(20);
      await Promise.all(waiting);
      // Assess
      expect(before).toBe(0);
      expect(order).toEqual([1, 2, 3]);
    });

    it('rejects the waiters on cancel', async () => {
      // Prepare
      const clock = new ManualClock(0);
      const bucket = new TokenBucket(1, 1, clock);
      await bucket.take();
      const waiting = bucket.take();
      // Act
      bucket.cancel(new Error('gone'));
      // Assess
      await expect(waiting).rejects.toThrow('gone');
      expect(clock.pending).toBe(0);
    });

    it('keeps publishing at its rate when the wall clock steps back an hour', async () => {
      // Prepare
      const clock = new ManualClock();
      const bucket = new TokenBucket(100, 100, clock);
      for (let i = 0; i < 100; i++) await bucket.take();
      clock.stepWall(-3_600_000);
      let taken = false;
      // Act
      const waiting = bucket.take().then(() => {
        taken = true;
      });
      clock.advance(10);
      await new Promise((r) => setImmediate(r));
      // Assess
      expect(taken).toBe(true);
      expect(clock.pendingDelays).toEqual([]);
      await waiting;
    });

    it('does not go into debt when a clock without a monotonic reading steps back', async () => {
      // Prepare
      const clock = new ManualClock(3_600_000);
      let offset = 0;
      const wallOnly = {
        now: () => clock.now() + offset,
        setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms),
        clearTimeout: (h: unknown) => clock.clearTimeout(h),
      };
      const bucket = new TokenBucket(100, 100, wallOnly);
      for (let i = 0; i < 100; i++) await bucket.take();
      offset = -3_600_000;
      // Act
      let taken = false;
      const waiting = bucket.take().then(() => {
        taken = true;
      });
      clock.advance(10);
      await new Promise((r) => setImmediate(r));
      // Assess
      expect(taken).toBe(true);
      await waiting;
    });
  });
});

describe('Function: fullJitterDelay', () => {
  it('stays between 0 and the capped exponential ceiling', () => {
    // Act / Assess
    expect(fullJitterDelay(0, 1_000, 60_000, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, 1_000, 60_000, () => 0.5)).toBe(4_000);
    expect(fullJitterDelay(20, 1_000, 60_000, () => 0.5)).toBe(30_000);
    expect(fullJitterDelay(5, 1_000, 60_000, () => 0)).toBe(0);
  });
});
