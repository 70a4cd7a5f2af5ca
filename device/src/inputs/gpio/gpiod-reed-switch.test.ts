import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { GpiodToolError } from '../errors.js';
import type { DoorSensorReading } from '../types.js';
import { type CommandRunner, createCommandRunner } from './command-runner.js';
import { GpiodReedSwitch } from './gpiod-reed-switch.js';

/*
 * Fake gpiod tools on PATH (shell scripts in a temp folder), playing libgpiod v1 or v2:
 * - gpiomon --version prints the banner; otherwise it records its arguments, fails once
 *   if $FAKE_DIR/crash-once exists, then follows $FAKE_DIR/edges (the test appends lines).
 * - gpioget prints $FAKE_DIR/level in the version's style; gpiodetect lists a Pi 5.
 */
const GPIOMON = `#!/bin/sh
if [ "$1" = "--version" ]; then echo "gpiomon (libgpiod) v$FAKE_MAJOR.0"; exit 0; fi
echo "$@" >> "$FAKE_DIR/gpiomon.args"
if [ -f "$FAKE_DIR/crash-once" ]; then rm "$FAKE_DIR/crash-once"; echo "gpiomon: unable to request lines: Device or resource busy" >&2; exit 1; fi
exec tail -n +1 -f "$FAKE_DIR/edges"
`;
const GPIOGET = `#!/bin/sh
echo "$@" >> "$FAKE_DIR/gpioget.args"
if [ "$FAKE_MAJOR" = "1" ]; then cat "$FAKE_DIR/level"; else echo "\\"17\\"=$( [ "$(cat "$FAKE_DIR/level")" = "1" ] && echo active || echo inactive)"; fi
`;
const GPIODETECT = `#!/bin/sh
echo "gpiochip0 [pinctrl-rp1] (54 lines)"
echo "gpiochip10 [gpio-brcmstb@107d508500] (32 lines)"
`;

describe('Class: GpiodReedSwitch', () => {
  let dir: string;
  let bin: string;
  const sensors: GpiodReedSwitch[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-gpiod-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const [name, body] of Object.entries({
      gpiomon: GPIOMON,
      gpioget: GPIOGET,
      gpiodetect: GPIODETECT,
    })) {
      writeFileSync(join(bin, name), body);
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(join(dir, 'edges'), '');
    writeFileSync(join(dir, 'level'), '0\n');
  });
  afterEach(async () => {
    for (const s of sensors.splice(0)) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (major: 1 | 2, extra: Partial<ConstructorParameters<typeof GpiodReedSwitch>[0]> = {}) => {
    const runner = createCommandRunner({
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_DIR: dir, FAKE_MAJOR: String(major) },
    });
    const sensor = new GpiodReedSwitch({ bcmPin: 17, runner, debounceMs: 0, restartDelayMs: 20, ...extra });
    sensors.push(sensor);
    const readings: DoorSensorReading[] = [];
    const errors: Error[] = [];
    sensor.onReading((r) => readings.push(r));
    sensor.onError((e) => errors.push(e));
    return { sensor, readings, errors };
  };
  const edges = (...lines: string[]) =>
    appendFileSync(join(dir, 'edges'), lines.map((l) => `${l}\n`).join(''));

  it.each([
    {
      major: 1 as const,
      open: '1 17',
      close: '0 17',
      monArgs: '--bias=pull-up --line-buffered --format=%e %o gpiochip0 17',
    },
    {
      major: 2 as const,
      open: 'rising 17',
      close: 'falling 17',
      monArgs: '--bias=pull-up --edges=both --format=%E %o --chip gpiochip0 17',
    },
  ])('follows gpiomon v$major edges after the gpioget start level', async ({
    major,
    open,
    close,
    monArgs,
  }) => {
    // Prepare
    const { sensor, readings } = make(major);
    // Act
    await sensor.start();
    edges(open);
    await vi.waitFor(() => expect(readings).toHaveLength(2));
    edges(close);
    await vi.waitFor(() => expect(readings).toHaveLength(3));
    // Assess
    expect(readings.map((r) => r.state)).toEqual(['closed', 'open', 'closed']);
    expect(readFileSync(join(dir, 'gpiomon.args'), 'utf8').trim()).toBe(monArgs);
  });

  it('gives one reading for a burst of bouncing edges', async () => {
    // Prepare
    const { sensor, readings } = make(1, { debounceMs: 40 });
    await sensor.start();
    // Act
    edges('1 17', '0 17', '1 17', '0 17', '1 17');
    await vi.waitFor(() => expect(readings).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 100)); // real time: gpiomon is a real process
    // Assess
    expect(readings.map((r) => r.state)).toEqual(['closed', 'open']);
  });

  it('restarts gpiomon when it exits, reporting why, and catches up on a missed edge', async () => {
    // Prepare
    writeFileSync(join(dir, 'crash-once'), '');
    const { sensor, readings, errors } = make(2);
    // Act
    await sensor.start();
    writeFileSync(join(dir, 'level'), '1\n'); // the door opened while gpiomon was down
    await vi.waitFor(() => expect(readings.map((r) => r.state)).toEqual(['closed', 'open']));
    edges('falling 17');
    await vi.waitFor(() => expect(readings).toHaveLength(3));
    // Assess
    expect(errors[0]).toBeInstanceOf(GpiodToolError);
    expect(errors[0]?.message).toMatch(/gpiomon stopped \(gpiomon: unable to request lines.*\); restarting/);
    expect(readFileSync(join(dir, 'gpiomon.args'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('signals recovery once gpiomon is back, though the door did not move', async () => {
    // Prepare
    writeFileSync(join(dir, 'crash-once'), '');
    const { sensor, readings, errors } = make(2, { stableMs: 50 });
    const events: string[] = [];
    sensor.onError(() => events.push('error'));
    sensor.onRecovered(() => events.push('recovered'));
    // Act
    await sensor.start();
    await vi.waitFor(() => expect(events).toEqual(['error', 'recovered']));
    // Assess
    expect(errors).toHaveLength(1);
    expect(readings.map((r) => r.state)).toEqual(['closed']);
  });

  it('uses a configured chip and pull-down bias without asking gpiodetect', async () => {
    // Prepare
    const { sensor, readings } = make(1, { gpioChip: 'gpiochip4', activeLow: false });
    // Act
    await sensor.start();
    // Assess: level 0 with active-high normally-open wiring is an open contact: door open.
    expect(readings[0]?.state).toBe('open');
    expect(readFileSync(join(dir, 'gpioget.args'), 'utf8').trim()).toBe('--bias=pull-down gpiochip4 17');
  });

  it('fails to start with a GpiodToolError when a tool is missing', async () => {
    // Prepare
    rmSync(join(bin, 'gpiodetect'));
    const { sensor } = make(1);
    // Act
    const started = sensor.start();
    // Assess
    await expect(started).rejects.toThrow(GpiodToolError);
    await expect(started).rejects.toThrow(/gpiodetect failed/);
  });

  it('refuses a pin beyond the chip', async () => {
    // Prepare
    const { sensor } = make(1, { bcmPin: 60 });
    // Act
    const started = sensor.start();
    // Assess
    await expect(started).rejects.toThrow('BCM pin 60 is out of range: pinctrl-rp1 has 54 lines (0 to 53)');
  });
});

/** A gpiomon child the test ends at will: `exit(1)` as a busy line does, `edge(line)`. */
class FakeMonitor extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = new PassThrough();
  readonly pid = 4242;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  exit(code: number): void {
    this.exitCode = code;
    this.emit('exit', code, null);
  }
  edge(line: string): void {
    this.stdout.write(`${line}\n`);
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode === null && this.signalCode === null) {
      this.signalCode = signal;
      queueMicrotask(() => this.emit('exit', null, signal));
    }
    return true;
  }
}

/*
 * The restart policy on a manual clock: fake tools (libgpiod v2, GPIO17 reading 0) and
 * gpiomon children the test ends, so every wait is asserted, none slept through.
 */
describe('Class: GpiodReedSwitch, restarting a failing gpiomon', () => {
  let clock: ManualClock;
  let monitors: FakeMonitor[];
  let sensor: GpiodReedSwitch;
  let events: string[];
  const runner: CommandRunner = {
    run: async (command) => {
      if (command === 'gpiodetect') return { stdout: 'gpiochip0 [pinctrl-rp1] (54 lines)\n', stderr: '' };
      if (command === 'gpioget') return { stdout: '"17"=inactive\n', stderr: '' };
      return { stdout: 'gpiomon (libgpiod) v2.1\n', stderr: '' };
    },
    spawn: () => {
      const child = new FakeMonitor();
      monitors.push(child);
      return child as unknown as ChildProcessWithoutNullStreams;
    },
  };
  beforeEach(async () => {
    clock = new ManualClock();
    monitors = [];
    events = [];
    sensor = new GpiodReedSwitch({
      bcmPin: 17,
      runner,
      debounceMs: 0,
      timers: clock,
      now: () => clock.now(),
    });
    sensor.onError(() => events.push('error'));
    sensor.onRecovered(() => events.push('recovered'));
    await sensor.start();
  });
  afterEach(async () => {
    await sensor.stop();
  });
  /** End the current gpiomon, wait out the restart delay, return the delay. */
  const failAndRestart = async (): Promise<number> => {
    const count = monitors.length;
    monitors.at(-1)!.exit(1);
    const delay = clock.pendingDelays[0]!;
    clock.advance(delay);
    await vi.waitFor(() => expect(monitors).toHaveLength(count + 1));
    return delay;
  };

  it('backs off the restarts from 2 s to 60 s and declares no recovery for a gpiomon that dies at once', async () => {
    // Act
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) delays.push(await failAndRestart());
    // Assess
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(events).toEqual(Array(7).fill('error'));
  });

  it('declares recovery once a new gpiomon has run 10 s, and starts the backoff again from 2 s', async () => {
    // Prepare
    await failAndRestart();
    await failAndRestart();
    // Act
    clock.advance(9_999);
    const early = [...events];
    clock.advance(1);
    // Assess
    expect(early).toEqual(['error', 'error']);
    expect(events).toEqual(['error', 'error', 'recovered']);
    expect(await failAndRestart()).toBe(2_000);
  });

  it("declares recovery at the new gpiomon's first edge, before 10 s", async () => {
    // Prepare
    await failAndRestart();
    // Act
    monitors.at(-1)!.edge('rising 17');
    // Assess
    await vi.waitFor(() => expect(events).toEqual(['error', 'recovered']));
    expect(sensor.state).toBe('open');
  });
});
