import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GpiodToolError } from '../inputs/errors.js';
import { type CommandRunner, createCommandRunner } from '../inputs/gpio/command-runner.js';
import { detectGpiodVersion, resolveGpiodChip } from '../inputs/gpio/gpiod-chip.js';
import { type GpiodMajor, gpiosetHoldArgs } from '../inputs/gpio/gpiod-tools.js';
import { SYSTEM_TIMERS, type Timers } from '../inputs/timers.js';
import type { Buzzer } from '../inputs/types.js';
import { MAX_SOUND_MS } from './gpio-buzzer.js';

export interface GpiodBuzzerOptions {
  /** BCM number of the output (the line offset on the header's chip). */
  bcmPin: number;
  /** Drive the pin low to sound. @default false */
  activeLow?: boolean;
  /** Chip name, number or path; `auto` asks gpiodetect. @default 'auto' */
  gpioChip?: string;
  /** @default the real gpiod tools on PATH */
  runner?: CommandRunner;
  /** @default the global timers */
  timers?: Timers;
}

/**
 * A buzzer on the GPIO character device, for kernels without sysfs GPIO. The character
 * device keeps a line's value only while a process holds it, so one gpioset process
 * always holds the line: at the off level, swapped for one at the on level while sounding.
 */
export class GpiodBuzzer implements Buzzer {
  private readonly runner: CommandRunner;
  private readonly timers: Timers;
  private major: GpiodMajor = 1;
  private chip = '';
  private holder: ChildProcessWithoutNullStreams | undefined;
  private offTimer: unknown;
  private started = false;
  /** Serialises level changes: a new gpioset may only start once the previous one let go. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: GpiodBuzzerOptions) {
    this.runner = opts.runner ?? createCommandRunner();
    this.timers = opts.timers ?? SYSTEM_TIMERS;
  }

  get sounding(): boolean {
    return this.offTimer !== undefined;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.major = await detectGpiodVersion(this.runner, 'gpioset');
    this.chip = await resolveGpiodChip(this.runner, this.opts.gpioChip ?? 'auto', this.opts.bcmPin);
    this.started = true;
    await this.hold(false);
  }

  async sound(durationMs: number): Promise<void> {
    if (!this.started) throw new GpiodToolError('buzzer is not started', 'gpioset');
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_SOUND_MS) {
      throw new RangeError(
        `buzzer duration must be between 1 and ${MAX_SOUND_MS} ms, received ${durationMs}`,
      );
    }
    const wasSounding = this.offTimer !== undefined;
    if (wasSounding) this.timers.clearTimeout(this.offTimer);
    this.offTimer = this.timers.setTimeout(() => {
      this.offTimer = undefined;
      void this.hold(false).catch(() => {});
    }, durationMs);
    if (!wasSounding) await this.hold(true);
  }

  async stop(): Promise<void> {
    if (this.offTimer !== undefined) this.timers.clearTimeout(this.offTimer);
    this.offTimer = undefined;
    if (!this.started) return;
    // Go to the off level before letting go, so the line is not left sounding.
    await this.hold(false).catch(() => {});
    this.started = false;
    await this.queue;
    await this.release();
  }

  /** Swap the holding process for one at the on or off level. */
  private hold(on: boolean): Promise<void> {
    const next = this.queue.then(async () => {
      await this.release();
      if (!this.started && on) return;
      const level = (on !== (this.opts.activeLow ?? false) ? 1 : 0) as 0 | 1;
      const child = this.runner.spawn(
        'gpioset',
        gpiosetHoldArgs(this.major, this.chip, this.opts.bcmPin, level),
      );
      this.holder = child;
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => {
        stderr = (stderr + c).slice(-300);
      });
      // gpioset prints nothing when it holds: an exit within 50 ms is the only sign it failed.
      await new Promise<void>((resolve, reject) => {
        const early = (code: number | null) =>
          reject(new GpiodToolError(`gpioset exited (${stderr.trim() || `code ${code}`})`, 'gpioset'));
        child.once('exit', early);
        child.once('error', (e) =>
          reject(new GpiodToolError(`gpioset cannot run: ${e.message}`, 'gpioset', { cause: e })),
        );
        this.timers.setTimeout(() => {
          child.off('exit', early);
          resolve();
        }, 50);
      });
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private async release(): Promise<void> {
    const child = this.holder;
    this.holder = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
