/**
 * The seam between the door's hardware and the agent's core. Drivers (GPIO via onoff or
 * gpiod, serial via serialport, simulated) implement these; the core (state machine,
 * event factory, outbox) never touches hardware. Every component has a lifecycle:
 * the constructor does nothing, start() acquires, stop() releases and removes listeners.
 */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A debounced reading of the door contact. */
export interface DoorSensorReading {
  state: 'open' | 'closed';
  /** Milliseconds since the epoch, from the injected clock, when the edge was seen. */
  at: number;
}

/**
 * The reed switch. start() rejects when the input cannot be opened; the agent then reports
 * a sensor.error fault and calls start() again later, unless the error is an
 * InputConfigError (a pin the chip does not have), which stops the agent's start.
 */
export interface DoorSensor extends Lifecycle {
  /** The current debounced state, or 'unknown' before the first read. */
  readonly state: 'open' | 'closed' | 'unknown';
  /** Called once per real transition (after debounce), and once at start with the initial state. */
  onReading(listener: (reading: DoorSensorReading) => void): void;
  /** Called when the input cannot be read; the driver keeps trying. */
  onError(listener: (error: Error) => void): void;
  /**
   * Called when the input reads again after errors (the door need not have moved), so
   * that a sensor.error fault clears then. Optional: a driver without it clears the fault
   * only on its next reading.
   */
  onRecovered?(listener: () => void): void;
  /** Change the debounce at run time (shadow setting). */
  setDebounceMs(ms: number): void;
}

/** One badge presented to the reader. The id stays on the device: the core hashes it. */
export interface BadgeScan {
  badgeId: string;
  at: number;
}

export interface BadgeReader extends Lifecycle {
  onScan(listener: (scan: BadgeScan) => void): void;
  /**
   * Connected/disconnected changes (unplug, replug); the reader reconnects by itself. A
   * reader found at start is not a change; one missing at start is (`false`).
   */
  onConnectionChange(listener: (connected: boolean, error?: Error) => void): void;
  /**
   * Frames keep failing their checks and none is read (wrong baud rate or reader model,
   * noise on the line): `true` with why, then `false` at the next good frame. Optional: a
   * reader without it only counts badFrames.
   */
  onFrameErrors?(listener: (failing: boolean, error?: Error) => void): void;
  /** Frames dropped for a bad checksum or shape, since start. */
  readonly badFrames: number;
}

/** A buzzer or LED driven by cloud commands. */
export interface Buzzer extends Lifecycle {
  /** Sound for the given time; a new call extends or restarts the sound. */
  sound(durationMs: number): Promise<void>;
}
