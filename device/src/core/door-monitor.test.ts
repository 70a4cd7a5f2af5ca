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

    it('raises door.held.open on time when the wall clock steps back an hour', () => {
      // Prepare
      const clock = new ManualClock();
      const t0 = clock.now();
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 30, flappingTransitions: 4, flappingWindowMs: 5_000 },
        clock,
        (o) => out.push(o),
      );
      monitor.start();
      monitor.reading('closed', clock.now());
      clock.advance(1_000);
      monitor.reading('open', clock.now());
      clock.advance(10_000);
      // Act
      clock.stepWall(-3_600_000);
      clock.advance(20_000);
      // Assess
      expect(out.at(-1)).toMatchObject({ type: 'door.held.open', openedAt: t0 + 1_000, limitSeconds: 30 });
      expect(out.at(-1)?.at).toBe(t0 + 31_000 - 3_600_000);
    });

    it('clears a flapping fault one calm window later when the wall clock steps back an hour', () => {
      // Prepare
      const clock = new ManualClock();
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 30, flappingTransitions: 4, flappingWindowMs: 5_000 },
        clock,
        (o) => out.push(o),
      );
      monitor.start();
      monitor.reading('closed', clock.now());
      for (const state of ['open', 'closed', 'open', 'closed'] as const) {
        clock.advance(200);
        monitor.reading(state, clock.now());
      }
      // Act
      clock.stepWall(-3_600_000);
      clock.advance(5_000);
      // Assess
      const faults = out.filter((o) => o.type === 'device.fault').map((o) => 'active' in o && o.active);
      expect(faults).toEqual([true, false]);
      expect(out.at(-1)).toMatchObject({ type: 'door.state.changed', state: 'closed' });
    });
  });

  describe('Constructor: resume', () => {
    it('arms the held-open timer of a door that was open before a restart, from when it opened', () => {
      // Prepare
      const clock = new ManualClock(100_000);
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 30, flappingTransitions: 5, flappingWindowMs: 1_000 },
        clock,
        (o) => out.push(o),
        { door: 'open', openedAt: 80_000, heldOpenRaised: false },
      );
      monitor.start();
      // Act
      monitor.reading('open', clock.now());
      clock.advance(10_000);
      // Assess
      expect(out).toEqual([{ type: 'door.held.open', at: 110_000, openedAt: 80_000, limitSeconds: 30 }]);
    });

    it('reports nothing for a door still open whose held-open was already raised', () => {
      // Prepare
      const clock = new ManualClock(100_000);
      const out: DoorOutput[] = [];
      const monitor = new DoorMonitor(
        { heldOpenLimitSeconds: 30, flappingTransitions: 5, flappingWindowMs: 1_000 },
        clock,
        (o) => out.push(o),
        { door: 'open', openedAt: 60_000, heldOpenRaised: true },
      );
      monitor.start();
      // Act
      monitor.reading('open', clock.now());
      clock.advance(60_000);
      monitor.reading('closed', clock.now());
      // Assess
      expect(out).toEqual([{ type: 'door.state.changed', at: 160_000, state: 'closed' }]);
      expect(clock.pending).toBe(0);
    });
  });
});
