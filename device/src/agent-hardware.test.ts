/**
 * DoorAgent when the hardware or the machine misbehaves: a sensor that cannot start, a
 * badge reader sending unreadable frames, a full disk, a broker that cannot be reached.
 * No broker: `transport` is a fake whose connection the test drives, `clock` drives the
 * agent's timers, and the events are read as the outbox accepts them.
 */
import { Writable } from 'node:stream';
import { parseAgentConfig } from '@smartdoor/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { waitUntil } from '../../test/support/wait.js';
import { DoorAgent } from './agent.js';
import { GpiodToolError, GpioPinOutOfRangeError } from './inputs/errors.js';
import { SimulatedBadgeReader } from './inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import { MemoryOutbox } from './outbox/memory-outbox.js';
import type { OutboxWrite } from './outbox/types.js';
import { BaseTransport } from './transport/base-transport.js';

/** A transport that never touches the network: the test says when it connects or fails. */
class FakeTransport extends BaseTransport {
  readonly name = 'fake';
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.setState('disconnected');
  }
  /** One connection attempt that fails with `error`. */
  fail(error: Error): void {
    this.setState('connecting');
    this.setState('disconnected', error);
  }
  succeed(): void {
    this.setState('connecting');
    this.setState('connected');
  }
  protected async _publish(): Promise<void> {}
  protected async _subscribe(): Promise<void> {}
}

/** A reed switch whose start fails with `startError` the first `failures` times. */
class FailingSensor extends SimulatedDoorSensor {
  starts = 0;
  constructor(
    private failures: number,
    private readonly startError: () => Error,
    clock: ManualClock,
  ) {
    super({ initial: 'closed', clock });
  }
  override async start(): Promise<void> {
    this.starts++;
    if (this.failures-- > 0) throw this.startError();
    await super.start();
  }
}

/** A memory outbox whose disk fills up while `diskFull` is set. */
class DiskOutbox extends MemoryOutbox {
  diskFull = false;
  protected override _write(write: OutboxWrite): void {
    if (this.diskFull)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    super._write(write);
  }
}

type Ev = { type: string; fault?: string; active?: boolean; message?: string; state?: string };
type LogLine = { level: number; msg: string; err?: string; state?: string; failedAttempts?: number };

describe('Class: DoorAgent, with failing hardware', () => {
  let clock: ManualClock;
  let transport: FakeTransport;
  let reader: SimulatedBadgeReader;
  let outbox: DiskOutbox;
  let events: Ev[];
  let logs: LogLine[];
  let agent: DoorAgent | undefined;

  beforeEach(() => {
    clock = new ManualClock();
    transport = new FakeTransport({ clock });
    reader = new SimulatedBadgeReader({ clock });
    outbox = new DiskOutbox();
    events = [];
    logs = [];
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  const makeAgent = (sensor: SimulatedDoorSensor) => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    agent = new DoorAgent({
      config: parseAgentConfig({ thingName: 'door-hw', mqtt: { endpoint: 'mqtt://127.0.0.1:1883' } }),
      sensor,
      badgeReader: reader,
      badgeSecret: 'a-test-secret-of-enough-bytes',
      transport,
      outbox,
      clock,
      logger: pino({ level: 'info' }, sink),
    });
    agent.onAccepted((entry) => events.push(JSON.parse(entry.payload) as Ev));
    return agent;
  };
  const faults = (fault: string) =>
    events.filter((e) => e.fault === fault).map((e) => ({ active: e.active, message: e.message }));

  describe('a door sensor that cannot start', () => {
    it('starts anyway, raises sensor.error, retries with backoff and clears the fault once the sensor starts', async () => {
      // Prepare: the line is busy for the first two starts
      const busy = () =>
        new GpiodToolError('gpioget failed: unable to request lines: Device or resource busy', 'gpioget');
      const sensor = new FailingSensor(2, busy, clock);
      const agent = makeAgent(sensor);
      // Act
      await agent.start();
      reader.scan('0012345678');
      // Assess: the fault is in the outbox, and the badge reader runs
      expect(events.map((e) => e.type)).toEqual(['device.fault', 'badge.read']);
      expect(faults('sensor.error')).toEqual([
        { active: true, message: expect.stringMatching(/Device or resource busy/) },
      ]);
      // Act: the first retry after 2 s fails again; the next waits 4 s
      clock.advance(2_000);
      await waitUntil(() => sensor.starts === 2, 'second start');
      clock.advance(3_999);
      const startsBefore4s = sensor.starts;
      clock.advance(1);
      await waitUntil(() => sensor.starts === 3, 'third start');
      // Assess
      expect(startsBefore4s).toBe(2);
      await waitUntil(() => faults('sensor.error').length === 2, 'fault cleared');
      expect(faults('sensor.error')[1]).toEqual({ active: false, message: undefined });
      expect(events.filter((e) => e.type === 'door.state.changed').map((e) => e.state)).toEqual(['closed']);
      expect(agent.status().doorState).toBe('closed');
    });

    it('still refuses to start on a config error, saying what is wrong', async () => {
      // Prepare
      const sensor = new FailingSensor(1, () => new GpioPinOutOfRangeError(60, 'pinctrl-rp1', 54), clock);
      // Act
      const started = makeAgent(sensor).start();
      // Assess
      await expect(started).rejects.toThrow('BCM pin 60 is out of range: pinctrl-rp1 has 54 lines (0 to 53)');
    });
  });

  describe('a badge reader whose frames cannot be read', () => {
    it('raises reader.error after 5 bad frames with no good one, clears it at the next good frame, and counts them', async () => {
      // Prepare
      const agent = makeAgent(new SimulatedDoorSensor({ initial: 'closed', clock }));
      await agent.start();
      // Act
      for (let i = 0; i < 4; i++) reader.badFrame();
      const afterFour = faults('reader.error');
      reader.badFrame();
      for (let i = 0; i < 10; i++) reader.badFrame();
      const status = agent.status();
      reader.scan('0012345678');
      // Assess
      expect(afterFour).toEqual([]);
      expect(faults('reader.error')).toEqual([
        { active: true, message: expect.stringMatching(/bad frames/) },
        { active: false, message: undefined },
      ]);
      expect(status.counters.badFrames).toBe(15);
      expect(events.at(-1)?.type).toBe('badge.read');
    });
  });

  describe('a full disk', () => {
    it('says the events were lost to the disk, not to the outbox bound, once it takes events again', async () => {
      // Prepare
      const sensor = new SimulatedDoorSensor({ initial: 'closed', clock });
      const agent = makeAgent(sensor);
      await agent.start();
      // Act: two door events find the disk full, then space comes back
      outbox.diskFull = true;
      sensor.open();
      sensor.close();
      outbox.diskFull = false;
      sensor.open();
      // Assess
      const reported = faults('outbox.full');
      expect(reported.map((f) => f.active)).toEqual([true, false]);
      expect(reported[0]?.message).toBe('2 event(s) not kept: disk full (ENOSPC)');
      expect(agent.status().counters.refused).toBe(2);
    });
  });

  describe('a broker that cannot be reached', () => {
    it('warns at the first failed connect and when the reason changes, and logs repeats and the connect at info', async () => {
      // Prepare
      const agent = makeAgent(new SimulatedDoorSensor({ initial: 'closed', clock }));
      await agent.start();
      const refused = new Error('connect ECONNREFUSED 127.0.0.1:1883');
      // Act
      transport.fail(refused);
      transport.fail(refused);
      transport.fail(refused);
      transport.fail(new Error('getaddrinfo ENOTFOUND broker.invalid'));
      transport.succeed();
      transport.fail(refused);
      // Assess
      const lines = logs
        .filter((l) => l.msg === 'connection' && l.state !== 'connecting')
        .map((l) => [l.level, l.state, l.err, l.failedAttempts]);
      expect(lines).toEqual([
        [40, 'disconnected', refused.message, 1],
        [30, 'disconnected', refused.message, 2],
        [30, 'disconnected', refused.message, 3],
        [40, 'disconnected', 'getaddrinfo ENOTFOUND broker.invalid', 4],
        [30, 'connected', undefined, 4],
        [40, 'disconnected', refused.message, 1],
      ]);
    });
  });
});
