import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DoorMachineState, INITIAL_DOOR_STATE, stepDoor } from '../../core/door-state-machine.js';
import { SYSTEM_TIMERS } from '../timers.js';
import type { DoorSensorReading } from '../types.js';
import { DoorInput, doorStateFromLevel, MAX_BURST_DEBOUNCES } from './door-input.js';

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

    it.each([30, 40])('makes a contact chattering every %i ms visible to flapping detection', (everyMs) => {
      // Prepare
      const { input, readings } = make(50);
      const settings = { heldOpenLimitSeconds: 30, flappingTransitions: 10, flappingWindowMs: 5_000 };
      let machine: DoorMachineState = INITIAL_DOOR_STATE;
      const faults: string[] = [];
      input.onReading((r) => {
        const step = stepDoor(machine, { kind: 'reading', state: r.state, at: r.at }, settings);
        machine = step.state;
        for (const o of step.outputs) if (o.type === 'device.fault') faults.push(`${o.fault} ${o.active}`);
      });
      input.initial(0);
      // Act: 10 s of an edge every `everyMs` (debounce 50 ms restarted by every edge)
      let level: 0 | 1 = 0;
      for (let t = 0; t < 10_000; t += everyMs) {
        level = level === 0 ? 1 : 0;
        input.edge(level);
        vi.advanceTimersByTime(everyMs);
      }
      // Assess
      expect(readings.length).toBeGreaterThan(10);
      expect(faults).toEqual(['sensor.flapping true']);
    });

    it('cuts a burst at MAX_BURST_DEBOUNCES debounces: one back where it began is a change and back', () => {
      // Prepare
      const { input, readings } = make(50);
      input.initial(0);
      // Act: still bouncing when the cut comes, at the level it began with
      for (let t = 0; t < MAX_BURST_DEBOUNCES * 50; t += 20) {
        input.edge(t % 40 === 0 ? 1 : 0);
        vi.advanceTimersByTime(20);
      }
      // Assess
      expect(readings.slice(1).map((r) => r.state)).toEqual(['open', 'closed']);
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
