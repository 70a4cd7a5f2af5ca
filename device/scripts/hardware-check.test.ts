import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '@smartdoor/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeGpioFactory } from '../src/inputs/gpio/fake-gpio.js';
import { makeFakeSysfs } from '../src/inputs/gpio/fake-sysfs.js';
import { encodeRdm6300 } from '../src/inputs/serial/badge-frames.js';
import { SocatPtyPair } from '../src/inputs/serial/socat-pty-pair.js';
import { runHardwareCheck } from './hardware-check.js';

describe('Function: runHardwareCheck', () => {
  let dir: string;
  let pty: SocatPtyPair;
  let sysfs: ReturnType<typeof makeFakeSysfs>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smartdoor-hwcheck-'));
    pty = new SocatPtyPair(join(dir, 'a'), join(dir, 'b'));
    await pty.start();
    sysfs = makeFakeSysfs([{ label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }]);
  });
  afterEach(async () => {
    await pty.stop();
    sysfs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the start state, each transition, the beep and each badge as a hash', async () => {
    // Prepare
    const gpios = new FakeGpioFactory();
    const config = parseAgentConfig({
      thingName: 'hw',
      mqtt: { endpoint: 'mqtt://127.0.0.1:1883' },
      door: { debounceMs: 0 },
      badgeReader: { path: pty.b, reconnectMs: 100 },
    });
    const lines: string[] = [];
    let finish!: () => void;
    const until = new Promise<void>((r) => {
      finish = r;
    });
    // Act
    const running = runHardwareCheck({
      config,
      seconds: 1,
      buzzer: true,
      badge: true,
      print: (l) => lines.push(l),
      until,
      deps: { sysfsRoot: sysfs.root, gpioFactory: gpios.create, path: '' },
    });
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith('watching'))).toBe(true));
    gpios.get(17).simulate(1);
    gpios.get(17).simulate(0);
    const fd = openSync(pty.a, 'w');
    writeSync(fd, encodeRdm6300('0102030405'));
    closeSync(fd);
    await vi.waitFor(() => expect(lines.some((l) => l.includes('(hash of the id)'))).toBe(true));
    finish();
    const summary = await running;
    // Assess
    const text = lines.join('\n');
    expect(text).toContain('gpio driver: sysfs');
    expect(text).toContain('reed switch GPIO17: closed (normally-open, start)');
    expect(text).toMatch(/door open\n.*door closed/);
    expect(text).toContain('buzzer GPIO18: beep 200 ms');
    expect(text).toContain(`badge reader ${pty.b}: connected`);
    // On, then off (by its timer and/or by stop, depending on how long the check took).
    expect(gpios.get(18).writes[0]).toBe(1);
    expect(gpios.get(18).writes.at(-1)).toBe(0);
    expect(text).not.toContain('0102030405');
    expect(summary).toEqual({ transitions: 2, badges: 1, badFrames: 0, problems: [] });
  });

  it('counts a badge reader that cannot be opened as a problem', async () => {
    // Prepare
    const gpios = new FakeGpioFactory();
    const config = parseAgentConfig({
      thingName: 'hw',
      mqtt: { endpoint: 'mqtt://127.0.0.1:1883' },
      badgeReader: { path: join(dir, 'no-such-port') },
    });
    const lines: string[] = [];
    // Act
    const summary = await runHardwareCheck({
      config,
      seconds: 0,
      buzzer: false,
      badge: true,
      print: (l) => lines.push(l),
      until: Promise.resolve(),
      deps: { sysfsRoot: sysfs.root, gpioFactory: gpios.create, path: '' },
    });
    // Assess
    expect(summary.problems).toEqual([
      `badge reader ${join(dir, 'no-such-port')}: not connected (cannot open ${join(dir, 'no-such-port')}: no such file or directory)`,
    ]);
    expect(lines.at(-1)).toMatch(/, 1 problem\(s\)$/);
  });
});
