import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SYSTEM_TIMERS } from '../timers.js';
import type { DoorSensorReading } from '../types.js';
import { DoorInput, doorStateFromLevel } from './door-input.js';

describe('Function: doorStateFromLevel', () => {
  it.each([
    { level: 0, wiring: 'normally-open', activeLow: true, state: 'closed' },
    { level: 1, wiring: 'normally-open', activeLow: true, state: 'open' },
    { level: 0, wiring: 'normally-closed', activeLow: true, state: 'open' },
    { level: 1, wiring: 'normally-closed', activeLow: true, state: 'closed' },
    { level: 1, wiring: 'normally-open', activeLow: false, state: 'closed' },
    { level: 0, wiring: 'normally-closed', activeLow: false, state: 'closed' },
  ] as const)('reads $state for level $level, $wiring, activeLow $activeLow', ({
    level,
    wiring,
    activeLow,
    state,
  }) => {
    // Prepare + Act
    const result = doorStateFromLevel(level, wiring, activeLow);
    // Assess
    expect(result).toBe(state);
  });
});

describe('Class: DoorInput', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = (debounceMs = 50) => {
    const input = new DoorInput({
      wiring: 'normally-open',
      activeLow: true,
      debounceMs,
      now: Date.now,
      timers: SYSTEM_TIMERS,
    });
    const readings: DoorSensorReading[] = [];
    input.onReading((r) => readings.push(r));
    return { input, readings };
  };

  describe('Method: edge', () => {
    it('reports one reading for a bouncing transition, timed at its first edge', () => {
      // Prepare
      const { input, readings } = make();
      input.initial(0);
      // Act: the door opens at t=1000 and the contact bounces for 12 ms.
      for (const level of [1, 0, 1, 0, 1, 0, 1] as const) {
        input.edge(level);
        vi.advanceTimersByTime(2);
      }
      vi.advanceTimersByTime(100);
      // Assess
      expect(readings).toEqual([
        { state: 'closed', at: 1_000 },
        { state: 'open', at: 1_000 },
      ]);
    });

    it('reports nothing for a burst that ends where it began', () => {
      // Prepare
      const { input, readings } = make();
      input.initial(0);
      // Act
      input.edge(1);
      vi.advanceTimersByTime(10);
      input.edge(0);
      vi.advanceTimersByTime(100);
      // Assess
      expect(readings).toHaveLength(1);
      expect(input.state).toBe('closed');
    });

    it('waits the whole debounce after the last edge', () => {
      // Prepare
      const { input, readings } = make(50);
      input.initial(0);
      // Act
      input.edge(1);
      vi.advanceTimersByTime(49);
      const before = readings.length;
      vi.advanceTimersByTime(1);
      // Assess
      expect(before).toBe(1);
      expect(readings.at(-1)).toEqual({ state: 'open', at: 1_000 });
    });

    it('reports at once with a debounce of 0, and follows setDebounceMs', () => {
      // Prepare
      const { input, readings } = make(50);
      input.initial(0);
      input.setDebounceMs(0);
      // Act
      input.edge(1);
      // Assess
      expect(readings.at(-1)?.state).toBe('open');
      expect(() => input.setDebounceMs(-1)).toThrow(RangeError);
    });

    it('turns a throwing listener into an error report', () => {
      // Prepare
      const { input } = make(0);
      const errors: Error[] = [];
      input.onReading(() => {
        throw new Error('listener bug');
      });
      input.onError((e) => errors.push(e));
      // Act
      input.initial(1);
      // Assess
      expect(errors.map((e) => e.message)).toEqual(['listener bug']);
    });
  });
});
