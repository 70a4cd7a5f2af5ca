import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GpiodToolError } from '../errors.js';
import { INPUT_RETRY, retryDelay } from '../retry-backoff.js';
import { SYSTEM_TIMERS, type Timers } from '../timers.js';
import type { DoorSensor, DoorSensorReading } from '../types.js';
import { type CommandRunner, createCommandRunner } from './command-runner.js';
import { DoorInput, type ReedWiring } from './door-input.js';
import { detectGpiodVersion, resolveGpiodChip, runGpiodTool } from './gpiod-chip.js';
import {
  type GpioBias,
  type GpiodMajor,
  gpiogetArgs,
  gpiomonArgs,
  parseGpiogetValue,
  parseGpiomonLine,
} from './gpiod-tools.js';

export interface GpiodReedSwitchOptions {
  /** BCM number of the input; on the header's chip it is the line offset. */
  bcmPin: number;
  /** @default 'normally-open' */
  wiring?: ReedWiring;
  /** Reads 0 when the contact is closed; also picks the bias (pull-up when true). @default true */
  activeLow?: boolean;
  /** @default 50 */
  debounceMs?: number;
  /** Chip name, number or path; `auto` finds the header's chip with gpiodetect. @default 'auto' */
  gpioChip?: string;
  /** Runs gpiomon/gpioget/gpiodetect; tests put fakes on its PATH. @default the real tools on PATH */
  runner?: CommandRunner;
  /** First wait before starting gpiomon again after it exits; doubles on each failure. @default 2000 */
  restartDelayMs?: number;
  /** Longest wait between restarts. @default 60000 */
  maxRestartDelayMs?: number;
  /**
   * How long a new gpiomon must run (or its first edge) before the input counts as
   * recovered; the restart wait starts again from restartDelayMs after it too. @default 10000
   */
  stableMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** @default the global timers */
  timers?: Timers;
}

/**
 * The reed switch on the GPIO character device, for kernels without sysfs GPIO. It reads
 * the start level with gpioget, then follows gpiomon's edges (a child process); if gpiomon
 * dies it is restarted with a growing delay, and the level is read again so nothing is missed.
 * Recovery is declared only once a new gpiomon has lived `stableMs` or seen an edge: one
 * that dies at once would otherwise clear the fault it raised at every restart.
 */
export class GpiodReedSwitch implements DoorSensor {
  private readonly input: DoorInput;
  private readonly runner: CommandRunner;
  private readonly timers: Timers;
  private child: ChildProcessWithoutNullStreams | undefined;
  private restartTimer: unknown;
  private stableTimer: unknown;
  /** Failed restarts since gpiomon last ran stableMs: sets the next wait. */
  private attempt = 0;
  /** An error was reported and recovery not yet. */
  private failing = false;
  private running = false;
  private major: GpiodMajor = 1;
  private chip = '';
  private level: 0 | 1 = 0;

  constructor(private readonly opts: GpiodReedSwitchOptions) {
    this.runner = opts.runner ?? createCommandRunner();
    this.timers = opts.timers ?? SYSTEM_TIMERS;
    this.input = new DoorInput({
      wiring: opts.wiring ?? 'normally-open',
      activeLow: opts.activeLow ?? true,
      debounceMs: opts.debounceMs ?? 50,
      now: opts.now ?? Date.now,
      timers: this.timers,
    });
  }

  get state(): 'open' | 'closed' | 'unknown' {
    return this.input.state;
  }
  onReading(listener: (reading: DoorSensorReading) => void): void {
    this.input.onReading(listener);
  }
  onError(listener: (error: Error) => void): void {
    this.input.onError(listener);
  }
  onRecovered(listener: () => void): void {
    this.input.onRecovered(listener);
  }
  setDebounceMs(ms: number): void {
    this.input.setDebounceMs(ms);
  }

  private get bias(): GpioBias {
    return (this.opts.activeLow ?? true) ? 'pull-up' : 'pull-down';
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.major = await detectGpiodVersion(this.runner);
    this.chip = await resolveGpiodChip(this.runner, this.opts.gpioChip ?? 'auto', this.opts.bcmPin);
    this.level = await this.readLevel();
    this.running = true;
    this.input.initial(this.level);
    this.spawnMonitor();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer !== undefined) this.timers.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.clearStableTimer();
    this.attempt = 0;
    this.failing = false;
    this.input.reset();
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  }

  private async readLevel(): Promise<0 | 1> {
    const args = gpiogetArgs(this.major, this.chip, this.opts.bcmPin, this.bias);
    return parseGpiogetValue(await runGpiodTool(this.runner, 'gpioget', args));
  }

  private spawnMonitor(): void {
    const args = gpiomonArgs(this.major, this.chip, this.opts.bcmPin, this.bias);
    const child = this.runner.spawn('gpiomon', args);
    this.child = child;
    this.clearStableTimer();
    this.stableTimer = this.timers.setTimeout(() => {
      this.stableTimer = undefined;
      if (this.child !== child) return;
      this.attempt = 0;
      this.settle();
    }, this.opts.stableMs ?? INPUT_RETRY.stableMs);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-500);
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const edge = parseGpiomonLine(line, this.major);
      if (!edge) return;
      // An edge proves the line is followed again, before stableMs.
      if (this.child === child) this.settle();
      this.level = edge === 'rising' ? 1 : 0;
      this.input.edge(this.level);
    });
    child.on('error', (cause) => {
      this.fail(new GpiodToolError(`gpiomon cannot run: ${cause.message}`, 'gpiomon', { cause }));
      // A process that never started emits no 'exit': retry from here instead.
      if (child.pid === undefined && this.child === child && this.running) {
        this.child = undefined;
        this.clearStableTimer();
        this.scheduleRestart();
      }
    });
    child.on('exit', (code, signal) => {
      lines.close();
      if (this.child !== child || !this.running) return;
      this.child = undefined;
      this.clearStableTimer();
      const why = stderr.trim() || (signal ? `signal ${signal}` : `exit code ${code}`);
      this.fail(new GpiodToolError(`gpiomon stopped (${why}); restarting`, 'gpiomon'));
      this.scheduleRestart();
    });
  }

  private fail(error: Error): void {
    this.failing = true;
    this.input.error(error);
  }

  /** gpiomon follows the line again: the error is over even if the door has not moved. */
  private settle(): void {
    if (!this.failing) return;
    this.failing = false;
    this.input.recovered();
  }

  private clearStableTimer(): void {
    if (this.stableTimer !== undefined) this.timers.clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
  }

  private scheduleRestart(): void {
    const delay = retryDelay(
      this.attempt++,
      this.opts.restartDelayMs ?? INPUT_RETRY.initialMs,
      this.opts.maxRestartDelayMs ?? INPUT_RETRY.maxMs,
    );
    this.restartTimer = this.timers.setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, delay);
  }

  /** Read the level again (an edge may have been missed while gpiomon was down), then follow edges. */
  private async restart(): Promise<void> {
    if (!this.running) return;
    try {
      const level = await this.readLevel();
      if (!this.running) return;
      if (level !== this.level) {
        this.level = level;
        this.input.edge(level);
      }
      this.spawnMonitor();
    } catch (cause) {
      this.fail(cause instanceof Error ? cause : new Error(String(cause)));
      if (this.running) this.scheduleRestart();
    }
  }
}
