import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GpiodToolError } from '../inputs/errors.js';
import { createCommandRunner } from '../inputs/gpio/command-runner.js';
import { GpiodBuzzer } from './gpiod-buzzer.js';

/*
 * A fake gpioset on PATH: `--version` prints the libgpiod banner; otherwise it appends
 * its arguments to $FAKE_DIR/gpioset.log and holds (sleeps) until killed, as the real one
 * does, or fails at once when $FAKE_DIR/busy exists.
 */
const GPIOSET = `#!/bin/sh
if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) v$FAKE_MAJOR.1"; exit 0; fi
echo "$@" >> "$FAKE_DIR/gpioset.log"
if [ -f "$FAKE_DIR/busy" ]; then echo "gpioset: unable to request lines: Device or resource busy" >&2; exit 1; fi
exec sleep 60
`;
const GPIODETECT = '#!/bin/sh\necho "gpiochip0 [pinctrl-bcm2711] (58 lines)"\n';

describe('Class: GpiodBuzzer', () => {
  let dir: string;
  let buzzer: GpiodBuzzer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-gpioset-'));
    mkdirSync(join(dir, 'bin'));
    for (const [name, body] of [
      ['gpioset', GPIOSET],
      ['gpiodetect', GPIODETECT],
    ] as const) {
      writeFileSync(join(dir, 'bin', name), body);
      chmodSync(join(dir, 'bin', name), 0o755);
    }
  });
  afterEach(async () => {
    await buzzer?.stop();
    buzzer = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const make = (major: 1 | 2, activeLow = false) => {
    const runner = createCommandRunner({
      env: {
        ...process.env,
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        FAKE_DIR: dir,
        FAKE_MAJOR: String(major),
      },
    });
    buzzer = new GpiodBuzzer({ bcmPin: 18, runner, activeLow });
    return buzzer;
  };
  const log = () => readFileSync(join(dir, 'gpioset.log'), 'utf8').trim().split('\n');

  it.each([
    { major: 1 as const, off: '--mode=signal gpiochip0 18=0', on: '--mode=signal gpiochip0 18=1' },
    { major: 2 as const, off: '--chip gpiochip0 18=0', on: '--chip gpiochip0 18=1' },
  ])('holds the line off, on while sounding, then off again (libgpiod v$major)', async ({
    major,
    off,
    on,
  }) => {
    // Prepare
    const b = make(major);
    await b.start();
    // Act
    await b.sound(150);
    const during = log();
    await vi.waitFor(() => expect(log()).toHaveLength(3));
    // Assess
    expect(during).toEqual([off, on]);
    expect(log()).toEqual([off, on, off]);
    expect(b.sounding).toBe(false);
  });

  it('extends a sound without touching the line again', async () => {
    // Prepare
    const b = make(2);
    await b.start();
    await b.sound(100);
    // Act: past the first sound's end, well inside the second's (with room for a loaded
    // machine's slow process starts).
    await b.sound(5_000);
    await new Promise((r) => setTimeout(r, 400));
    // Assess
    expect(log()).toHaveLength(2);
    expect(b.sounding).toBe(true);
  });

  it('drives an active-low stage the other way and stops at the off level', async () => {
    // Prepare
    const b = make(2, true);
    await b.start();
    await b.sound(5_000);
    // Act
    await b.stop();
    // Assess
    expect(log()).toEqual(['--chip gpiochip0 18=1', '--chip gpiochip0 18=0', '--chip gpiochip0 18=1']);
  });

  it('fails to start with the reason gpioset gave', async () => {
    // Prepare
    writeFileSync(join(dir, 'busy'), '');
    const b = make(1);
    // Act
    const started = b.start();
    // Assess
    await expect(started).rejects.toThrow(GpiodToolError);
    await expect(started).rejects.toThrow(
      /gpioset exited \(gpioset: unable to request lines: Device or resource busy\)/,
    );
  });
});
