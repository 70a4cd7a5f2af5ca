import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Class: Random', () => {
  describe('Method: next', () => {
    it('gives the same sequence for the same seed and a different one for another seed', () => {
      // Prepare
      const a = new Random(42);
      const b = new Random(42);
      const c = new Random(43);
      // Act
      const sa = Array.from({ length: 20 }, () => a.next());
      const sb = Array.from({ length: 20 }, () => b.next());
      const sc = Array.from({ length: 20 }, () => c.next());
      // Assess
      expect(sa).toEqual(sb);
      expect(sa).not.toEqual(sc);
      expect(sa.every((v) => v >= 0 && v < 1)).toBe(true);
    });

    it('spreads values evenly over [0, 1) when drawn many times', () => {
      // Prepare
      const r = new Random('spread');
      const buckets = new Array<number>(10).fill(0);
      // Act
      for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.next() * 10)]!++;
      // Assess
      for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
    });
  });

  describe('Method: fork', () => {
    it('gives a door the same stream whatever else was drawn before', () => {
      // Prepare
      const a = new Random(7);
      const b = new Random(7);
      b.next();
      b.next();
      // Act
      const fa = a.fork('door-3').nextUint32();
      const fb = b.fork('door-3').nextUint32();
      // Assess
      expect(fa).toBe(fb);
      expect(a.fork('door-4').nextUint32()).not.toBe(fa);
    });
  });

  describe('Method: int', () => {
    it('stays within both bounds, both included', () => {
      // Prepare
      const r = new Random(1);
      const seen = new Set<number>();
      // Act
      for (let i = 0; i < 1_000; i++) seen.add(r.int(3, 6));
      // Assess
      expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    });
  });
});
