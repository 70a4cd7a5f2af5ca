import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { SimulatedDoorSensor } from './simulated-door-sensor.js';
import type { DoorSensorReading } from './types.js';

describe('Class: SimulatedDoorSensor', () => {
  describe('Method: start', () => {
    it('reports the initial state once, then only real changes', async () => {
      // Prepare
      const clock = new ManualClock(1_000);
      const sensor = new SimulatedDoorSensor({ initial: 'open', clock });
      const readings: DoorSensorReading[] = [];
      sensor.onReading((r) => readings.push(r));
      // Act
      await sensor.start();
      sensor.open();
      sensor.close();
      // Assess
      expect(readings).toEqual([
        { state: 'open', at: 1_000 },
        { state: 'closed', at: 1_000 },
      ]);
      await sensor.stop();
    });
  });

  describe('Method: bounce', () => {
    it('swallows edges closer than the debounce and reports where the contact settles', async () => {
      // Prepare
      const clock = new ManualClock(0);
      const sensor = new SimulatedDoorSensor({ initial: 'closed', clock, debounceMs: 50 });
      const readings: DoorSensorReading[] = [];
      sensor.onReading((r) => readings.push(r));
      await sensor.start();
      // Act
      const done = sensor.bounce(['open', 'closed', 'open'], 10);
      for (let i = 0; i < 2; i++) {
        await Promise.resolve();
        clock.advance(10);
      }
      await done;
      // Assess
      expect(readings.map((r) => r.state)).toEqual(['closed', 'open']);
      expect(readings[1]!.at).toBe(20);
      await sensor.stop();
    });
  });
});
