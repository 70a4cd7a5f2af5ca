import type { EventEmitter } from 'node:events';
import { BAD_FRAME_ALARM, BadFrameAlarm } from '../bad-frame-alarm.js';
import { badgeLogHash } from '../badge-log-hash.js';
import { BadgeFrameError, SerialPortError } from '../errors.js';
import { type InputLogger, SILENT_LOGGER } from '../logger.js';
import { SYSTEM_TIMERS, type Timers } from '../timers.js';
import type { BadgeReader, BadgeScan } from '../types.js';
import { type BadgeFrameParser, LineParser, Rdm6300Parser, RepeatFilter } from './badge-frames.js';

/** What the reader needs of serialport's SerialPort. */
export interface SerialPortLike extends EventEmitter {
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err?: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type SerialPortFactory = (opts: { path: string; baudRate: number }) => Promise<SerialPortLike>;

/** serialport, imported when first used: its native binding is not needed elsewhere. */
export const defaultSerialPortFactory: SerialPortFactory = async ({ path, baudRate }) => {
  const { SerialPort } = await import('serialport');
  return new SerialPort({ path, baudRate, autoOpen: false });
};

export interface SerialBadgeReaderOptions {
  /** Serial device, e.g. /dev/serial0 or /dev/ttyUSB0. */
  path: string;
  /** @default 9600 */
  baudRate?: number;
  /** @default 'rdm6300' */
  protocol?: 'rdm6300' | 'line';
  /** Delay between attempts to open the port while it is missing. @default 2000 */
  reconnectMs?: number;
  /** Repeats of the same id within this time of the previous read are dropped. @default 1500 */
  repeatWindowMs?: number;
  /** @default serialport's SerialPort, imported lazily */
  portFactory?: SerialPortFactory;
  /** @default Date.now */
  now?: () => number;
  /** @default the global timers */
  timers?: Timers;
  /** Badge ids are logged only as a short hash. @default silent */
  logger?: InputLogger;
  /** Bad frames within badFrameWindowMs, and no good one, that raise onFrameErrors. @default 5 */
  badFrameAlarmCount?: number;
  /** @default 60000 */
  badFrameWindowMs?: number;
}

/**
 * A badge reader on a serial port. It opens the port at start and, whenever the port is
 * missing or goes away (unplugged), retries every `reconnectMs` until stop(); frames that
 * fail their checks are counted and dropped, and a held card's repeats are suppressed. When
 * bad frames keep coming and none is good, onFrameErrors says so: every badge would
 * otherwise be lost without a word.
 */
export class SerialBadgeReader implements BadgeReader {
  private readonly scanListeners: Array<(scan: BadgeScan) => void> = [];
  private readonly connectionListeners: Array<(connected: boolean, error?: Error) => void> = [];
  private readonly frameErrorListeners: Array<(failing: boolean, error?: Error) => void> = [];
  private readonly alarm: BadFrameAlarm;
  /** When the last warning about bad frames was logged: at most one a window. */
  private warnedAt = Number.NEGATIVE_INFINITY;
  private readonly parser: BadgeFrameParser;
  private readonly repeats: RepeatFilter;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly log: InputLogger;
  private port: SerialPortLike | undefined;
  private retryTimer: unknown;
  private running = false;
  private connected: boolean | undefined;
  private bad = 0;

  constructor(private readonly opts: SerialBadgeReaderOptions) {
    this.parser = opts.protocol === 'line' ? new LineParser() : new Rdm6300Parser();
    this.repeats = new RepeatFilter(opts.repeatWindowMs ?? 1_500);
    this.timers = opts.timers ?? SYSTEM_TIMERS;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? SILENT_LOGGER;
    this.alarm = new BadFrameAlarm(
      opts.badFrameAlarmCount ?? BAD_FRAME_ALARM.count,
      opts.badFrameWindowMs ?? BAD_FRAME_ALARM.windowMs,
    );
  }

  get badFrames(): number {
    return this.bad;
  }
  get isConnected(): boolean {
    return this.connected === true;
  }
  onScan(listener: (scan: BadgeScan) => void): void {
    this.scanListeners.push(listener);
  }
  onConnectionChange(listener: (connected: boolean, error?: Error) => void): void {
    this.connectionListeners.push(listener);
  }
  onFrameErrors(listener: (failing: boolean, error?: Error) => void): void {
    this.frameErrorListeners.push(listener);
  }

  /** Resolves after the first attempt to open, whether or not the reader is there. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.bad = 0;
    this.alarm.reset();
    this.warnedAt = Number.NEGATIVE_INFINITY;
    await this.tryOpen();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const port = this.port;
    this.port = undefined;
    this.connected = undefined;
    this.parser.reset();
    this.repeats.reset();
    if (!port) return;
    port.removeAllListeners();
    // Keep an error listener: a late error from a closing port must not crash the process.
    port.on('error', () => {});
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async tryOpen(): Promise<void> {
    const path = this.opts.path;
    let port: SerialPortLike;
    try {
      port = await (this.opts.portFactory ?? defaultSerialPortFactory)({
        path,
        baudRate: this.opts.baudRate ?? 9600,
      });
    } catch (cause) {
      this.disconnected(
        new SerialPortError(`cannot create serial port ${path}: ${messageOf(cause)}`, path, { cause }),
      );
      return;
    }
    const opened = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (!this.running) {
      if (!opened) port.close();
      return;
    }
    if (opened) {
      this.disconnected(
        new SerialPortError(`cannot open ${path}: ${openFailure(opened, path)}`, path, { cause: opened }),
      );
      return;
    }
    this.port = port;
    this.parser.reset();
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (err: Error) => this.log.warn({ path, err: err.message }, 'badge reader port error'));
    port.on('close', (err?: Error | null) => {
      if (this.port !== port) return;
      this.port = undefined;
      port.removeAllListeners();
      port.on('error', () => {});
      const reason = err?.message ?? 'port closed';
      this.disconnected(
        new SerialPortError(`badge reader ${path} went away: ${reason}`, path, { cause: err ?? undefined }),
      );
    });
    this.setConnected(true);
    this.log.info({ path }, 'badge reader connected');
  }

  private disconnected(error: SerialPortError): void {
    if (!this.running) return;
    if (this.connected !== false)
      this.log.warn({ path: this.opts.path, err: error.message }, 'badge reader not connected');
    this.setConnected(false, error);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) void this.tryOpen();
    }, this.opts.reconnectMs ?? 2_000);
  }

  /**
   * Tell listeners only about changes, not about every failed retry. From start's unknown
   * state only a missing reader is news: a reader found at start was never disconnected.
   */
  private setConnected(connected: boolean, error?: Error): void {
    const before = this.connected;
    if (before === connected) return;
    this.connected = connected;
    if (before === undefined && connected) return;
    for (const l of [...this.connectionListeners]) l(connected, error);
  }

  private onData(chunk: Buffer): void {
    for (const result of this.parser.push(chunk)) {
      if (!result.ok) {
        this.badFrame(result.reason);
        continue;
      }
      if (this.alarm.good()) {
        this.log.info({ path: this.opts.path, badFrames: this.bad }, 'badge reader frames read again');
        for (const l of [...this.frameErrorListeners]) l(false);
      }
      const at = this.now();
      if (!this.repeats.accept(result.badgeId, at)) continue;
      this.log.debug({ badge: badgeLogHash(result.badgeId) }, 'badge read');
      const scan: BadgeScan = { badgeId: result.badgeId, at };
      for (const l of [...this.scanListeners]) {
        try {
          l(scan);
        } catch (err) {
          this.log.warn({ err: messageOf(err) }, 'badge scan listener failed');
        }
      }
    }
  }

  private badFrame(reason: string): void {
    this.bad++;
    this.log.debug({ reason, badFrames: this.bad }, 'badge frame dropped');
    const at = this.now();
    const raised = this.alarm.bad(at);
    if (!this.alarm.active) return;
    const windowMs = this.opts.badFrameWindowMs ?? BAD_FRAME_ALARM.windowMs;
    const { path, baudRate = 9600, protocol = 'rdm6300' } = this.opts;
    // Rate-limited: a reader at the wrong baud rate sends bad frames all day.
    if (raised || at - this.warnedAt >= windowMs) {
      this.warnedAt = at;
      this.log.warn(
        { path, baudRate, protocol, badFrames: this.bad, reason },
        'badge reader frames cannot be read: wrong baud rate or reader model, or noise on the line',
      );
    }
    if (!raised) return;
    const count = this.opts.badFrameAlarmCount ?? BAD_FRAME_ALARM.count;
    const error = new BadgeFrameError(
      `${count} bad frames within ${windowMs / 1000} s and none read from ${path} (${protocol} at ${baudRate} baud): ` +
        'wrong baud rate or reader model, or noise on the line',
      path,
    );
    for (const l of [...this.frameErrorListeners]) l(true, error);
  }
}

/**
 * serialport's open error as one reason: it reads "Error: No such file or directory,
 * cannot open /dev/x", which would repeat the path after our own "cannot open /dev/x".
 */
function openFailure(error: Error, path: string): string {
  let reason = error.message.replace(/^Error:\s*/, '');
  const tail = `, cannot open ${path}`;
  if (reason.endsWith(tail)) reason = reason.slice(0, -tail.length);
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
