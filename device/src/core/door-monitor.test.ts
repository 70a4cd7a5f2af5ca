import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { DoorMonitor } from './door-monitor.js';
import type { DoorOutput } from './door-state-machine.js';

describe('Class: DoorMonitor', () => {
  describe('Method: reading', () => {
    it('raises door.held.open from its own timer when the limit passes', () => {
      // Prepare
      const clock = new ManualClock(0);
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 10, flappingTransitions: 5, flappingWindowMs: 1_000 },
        clock,
        (o) => out.push(o),
      );
      monitor.start();
      monitor.reading('closed', clock.now());
      clock.advance(1_000);
      monitor.reading('open', clock.now());
      // Act
      clock.advance(10_000);
      // Assess
      expect(out.map((o) => o.type)).toEqual(['door.state.changed', 'door.state.changed', 'door.held.open']);
      expect(out[2]).toMatchObject({ at: 11_000, openedAt: 1_000 });
    });

    it('uses a new held-open limit at once when the settings change', () => {
      // Prepare
      const clock = new ManualClock(0);
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 60, flappingTransitions: 5, flappingWindowMs: 1_000 },
        clock,
        (o) => out.push(o),
      );
      monitor.start();
      monitor.reading('open', 0);
      clock.advance(20_000);
      // Act
      monitor.updateSettings({ heldOpenLimitSeconds: 10, flappingTransitions: 5, flappingWindowMs: 1_000 });
      // Assess
      expect(out.at(-1)).toMatchObject({ type: 'door.held.open', at: 20_000, limitSeconds: 10 });
    });

    it('leaves no timer behind after stop', () => {
      // Prepare
      const clock = new ManualClock(0);
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 60, flappingTransitions: 5, flappingWindowMs: 1_000 },
        clock,
        () => {},
      );
      monitor.start();
      monitor.reading('open', 0);
      // Act
      monitor.stop();
      // Assess
      expect(clock.pending).toBe(0);
    });
  });
});
