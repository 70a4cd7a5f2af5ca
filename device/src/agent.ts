import {
  type AgentConfig,
  type DeviceEventBody,
  type DeviceStatus,
  type IdSource,
  type ShadowSettings,
  topics,
} from '@smartdoor/shared';
import pino, { type Logger } from 'pino';
import {
  doorStateFilePath,
  readDoorStateFile,
  readSettingsFile,
  settingsFilePath,
  toSavedDoorState,
  writeJsonAtomic,
} from './agent-state.js';
import { writeFileAtomic } from './atomic-file.js';
import { type Clock, systemClock, type TimerHandle } from './core/clock.js';
import { CommandHandler } from './core/command-handler.js';
import { DoorMonitor, type ResumedDoorState } from './core/door-monitor.js';
import type { DoorOutput } from './core/door-state-machine.js';
import { AgentError, OutboxFullError } from './core/errors.js';
import { badgeRef, EventFactory } from './core/event-factory.js';
import { InputConfigError } from './inputs/errors.js';
import { retryDelay } from './inputs/retry-backoff.js';
import type { BadgeReader, Buzzer, DoorSensor } from './inputs/types.js';
import { OutboxSender } from './outbox/outbox-sender.js';
import type { Outbox, OutboxEntry } from './outbox/types.js';
import { writeStatusFile } from './status-file.js';
import type { AgentCounters, AgentStatus } from './status-types.js';

export type { AgentCounters, AgentStatus } from './status-types.js';

import type { ConnectionState, Transport } from './transport/types.js';

export const AGENT_VERSION = '0.1.0';

/** Paths pino removes from every log line: secrets and badge ids never reach a log. */
export const LOG_REDACT_PATHS = [
  'badgeId',
  '*.badgeId',
  'secret',
  '*.secret',
  'badgeSecret',
  '*.badgeSecret',
  'key',
  '*.key',
  'privateKey',
  '*.privateKey',
];

export interface DoorAgentOptions {
  config: AgentConfig;
  sensor: DoorSensor;
  badgeReader?: BadgeReader;
  buzzer?: Buzzer;
  transport: Transport;
  outbox: Outbox;
  /** HMAC key for badge references; required with a badge reader. */
  badgeSecret?: Uint8Array | string;
  /** @default systemClock */
  clock?: Clock;
  /** Time and randomness for idempotency keys. @default crypto */
  ids?: IdSource;
  /** @default pino at config.logLevel, with secrets redacted */
  logger?: Logger;
  /** Where to write the status file (atomically, every few seconds). @default none */
  statusFile?: string;
  /** @default 5000 */
  statusIntervalMs?: number;
  /**
   * Folder to keep the door state and the shadow's settings in (small atomic files), and
   * resume them from at start. @default none: nothing kept (the simulator's doors)
   */
  stateDir?: string;
  /** @default AGENT_VERSION */
  agentVersion?: string;
}

/**
 * The door agent: watches the inputs, turns what it sees into events, keeps them in the
 * durable outbox and sends them, in order, to the broker. Everything it touches is
 * injected, so the simulator can run thousands in one process. Nothing happens in the
 * constructor; start() wires and starts, stop() undoes it all.
 */
export class DoorAgent {
  readonly thingName: string;
  readonly logger: Logger;
  readonly counters: AgentCounters = {
    accepted: 0,
    published: 0,
    refused: 0,
    publishErrors: 0,
    connects: 0,
    commands: 0,
    duplicateCommands: 0,
    badCloudMessages: 0,
    badFrames: 0,
  };
  #o: DoorAgentOptions;
  #clock: Clock;
  #settings: ShadowSettings;
  #factory: EventFactory;
  #monitor: DoorMonitor | undefined;
  #sender: OutboxSender | undefined;
  #commands: CommandHandler | undefined;
  #heartbeatTimer: TimerHandle | undefined;
  #statusTimer: TimerHandle | undefined;
  #sensorRetryTimer: TimerHandle | undefined;
  /** Failed sensor starts in a row: sets the wait before the next. */
  #sensorAttempts = 0;
  /** A sensor.error fault is raised and not yet cleared. */
  #sensorFault = false;
  /** Why the last failed connection failed, since the last success: repeats log at info. */
  #connectFailure: string | undefined;
  #failedConnects = 0;
  #startedAt: number | undefined;
  #running = false;
  #stopping = false;
  /** Settings the shadow applied: kept over the config file's across restarts. */
  #shadowApplied: Partial<ShadowSettings> = {};
  #savedSettings = '{}';
  #savedDoor: string | undefined;
  /** The state of the last door.state.changed the outbox took. */
  #storedDoor: string | undefined;
  /**
   * Events the outbox did not keep, not yet reported to the cloud, and since when: refused
   * by the full outbox, superseded there, or failed to be written (a full disk), and why.
   */
  #dropped = { refused: 0, superseded: 0, failed: 0, failure: '', since: 0 };
  #reportingDrops = false;
  #acceptedListeners: Array<(entry: OutboxEntry) => void> = [];
  #pubackListeners: Array<(entry: OutboxEntry, at: number) => void> = [];

  constructor(options: DoorAgentOptions) {
    this.#o = options;
    this.thingName = options.config.thingName;
    this.#clock = options.clock ?? systemClock;
    const { heldOpenLimitSeconds, heartbeatIntervalSeconds, debounceMs } = options.config.door;
    this.#settings = { heldOpenLimitSeconds, heartbeatIntervalSeconds, debounceMs };
    this.#factory = new EventFactory({ thingName: this.thingName, ids: options.ids });
    this.logger =
      options.logger ??
      pino({ level: options.config.logLevel, redact: LOG_REDACT_PATHS, base: { thing: this.thingName } });
  }

  get running(): boolean {
    return this.#running;
  }

  get settings(): Readonly<ShadowSettings> {
    return this.#settings;
  }

  /** Called when an event is durably accepted (on disk), before it is sent. */
  onAccepted(listener: (entry: OutboxEntry) => void): void {
    this.#acceptedListeners.push(listener);
  }

  /** Called when the broker acknowledged an event and it left the outbox. */
  onPuback(listener: (entry: OutboxEntry, at: number) => void): void {
    this.#pubackListeners.push(listener);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const { sensor, badgeReader, buzzer, transport, outbox } = this.#o;
    if (badgeReader && this.#o.badgeSecret === undefined) {
      throw new AgentError('a badge reader needs a badge secret (for badge references)');
    }
    await outbox.start();
    const resumedDoor = this.#restoreState();
    this.#running = true;
    this.#stopping = false;
    this.#startedAt = this.#clock.now();
    this.#monitor = new DoorMonitor(
      this.#machineSettings(),
      this.#clock,
      (out) => this.#onDoorOutput(out),
      resumedDoor,
    );
    this.#monitor.start();
    this.#sender = new OutboxSender({
      outbox,
      transport,
      topic: topics.events(this.thingName),
      clock: this.#clock,
      logger: this.logger,
      inflight: this.#o.config.outbox.inflight,
      onPuback: (entry, at) => {
        this.counters.published++;
        for (const l of this.#pubackListeners) l(entry, at);
        this.#reportDrops();
      },
    });
    this.#commands = new CommandHandler({
      thingName: this.thingName,
      transport,
      buzzer,
      logger: this.logger,
      counters: this.counters,
      clock: this.#clock,
      getSettings: () => this.#settings,
      applySettings: (s) => this.#applySettings(s),
    });
    transport.onConnectionChange((state, error) => this.#onConnection(state, error));
    transport.onMessage((topic, payload) => this.#commands!.handle(topic, payload));
    await transport.subscribe(this.#commands.filters());
    this.#sender.start();
    const will = {
      topic: topics.status(this.thingName),
      payload: this.#statusPayload('offline'),
      qos: 1 as const,
      retain: true,
    };
    await transport.connect({ clientId: this.#o.config.mqtt.clientId ?? this.thingName, will });

    // A read error raises sensor.error once; the next good reading, or the driver saying
    // the input reads again (the door need not move), clears it.
    this.#sensorFault = false;
    sensor.onReading((r) => {
      this.#clearSensorFault(r.at);
      this.#monitor?.reading(r.state, r.at);
    });
    sensor.onRecovered?.(() => this.#clearSensorFault(this.#clock.now()));
    sensor.onError((err) => {
      this.logger.warn({ err: err.message }, 'door sensor read error');
      this.#raiseSensorFault(err);
    });
    sensor.setDebounceMs(this.#settings.debounceMs);
    this.#sensorAttempts = 0;
    await this.#startSensor();
    if (badgeReader) {
      badgeReader.onScan((scan) =>
        this.#record({ type: 'badge.read', badgeRef: badgeRef(this.#o.badgeSecret!, scan.badgeId) }, scan.at),
      );
      badgeReader.onConnectionChange((connected, error) =>
        this.#record(
          {
            type: 'device.fault',
            fault: 'reader.disconnected',
            active: !connected,
            ...(error ? { message: error.message.slice(0, 256) } : {}),
          },
          this.#clock.now(),
        ),
      );
      badgeReader.onFrameErrors?.((failing, error) =>
        this.#record(
          {
            type: 'device.fault',
            fault: 'reader.error',
            active: failing,
            ...(error ? { message: error.message.slice(0, 256) } : {}),
          },
          this.#clock.now(),
        ),
      );
      await badgeReader.start();
    }
    await buzzer?.start();
    this.#scheduleHeartbeat();
    this.#scheduleStatus();
    this.logger.info({ transport: transport.name, depth: outbox.depth }, 'agent started');
  }

  /** Stop inputs first (no new events), let in-flight publishes finish, say offline, close. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    const { sensor, badgeReader, buzzer, transport, outbox } = this.#o;
    this.#clearTimers();
    await sensor.stop();
    await badgeReader?.stop();
    await buzzer?.stop();
    this.#monitor?.stop();
    this.#clearTimers();
    await this.#sender?.drain(2_000);
    if (transport.state === 'connected') {
      await Promise.race([
        transport
          .publish(topics.status(this.thingName), this.#statusPayload('offline'), { qos: 1, retain: true })
          .catch(() => {}),
        new Promise((r) => setTimeout(r, 1_000).unref()),
      ]);
    }
    this.#sender?.stop();
    await transport.disconnect();
    this.#running = false;
    this.#writeStatus();
    await outbox.stop();
    this.logger.info('agent stopped');
  }

  status(): AgentStatus {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      thingName: this.thingName,
      pid: process.pid,
      running: this.#running,
      transport: this.#o.transport.name,
      connection: this.#o.transport.state,
      startedAt: iso(this.#startedAt),
      updatedAt: new Date(this.#clock.now()).toISOString(),
      lastPubackAt: iso(this.#sender?.lastPubackAt),
      outbox: this.#o.outbox.stats(),
      outboxFile: this.#o.outbox.file,
      counters: {
        ...this.counters,
        publishErrors: this.#sender?.publishErrors ?? 0,
        badFrames: this.#o.badgeReader?.badFrames ?? 0,
      },
      settings: { ...this.#settings },
      doorState: this.#monitor?.state.door ?? 'unknown',
    };
  }

  /**
   * Start the door sensor. Hardware that fails to start (a line busy, a tool missing or
   * failing) is a sensor.error fault and a retry with backoff, not a reason to stop: the
   * badge reader and the link to the cloud still work, and the cloud hears of it. A config
   * error (a pin the chip does not have) will not heal by retrying: start() throws it.
   */
  async #startSensor(): Promise<void> {
    const { sensor } = this.#o;
    try {
      await sensor.start();
    } catch (cause) {
      const err = cause instanceof Error ? cause : new Error(String(cause));
      if (err instanceof InputConfigError) throw err;
      if (this.#stopping) return;
      const delayMs = retryDelay(this.#sensorAttempts++);
      this.logger[this.#sensorAttempts === 1 ? 'error' : 'warn'](
        { err: err.message, retryInSeconds: delayMs / 1000 },
        'door sensor cannot start; retrying',
      );
      this.#raiseSensorFault(err);
      this.#sensorRetryTimer = this.#clock.setTimeout(() => {
        this.#sensorRetryTimer = undefined;
        this.#startSensor().catch((e: Error) =>
          this.logger.error({ err: e.message }, 'door sensor cannot start; fix the config and restart'),
        );
      }, delayMs);
      return;
    }
    // A stop that came while the sensor was starting: let go of it again.
    if (this.#stopping) {
      await sensor.stop();
      return;
    }
    if (this.#sensorAttempts > 0)
      this.logger.info({ attempts: this.#sensorAttempts + 1 }, 'door sensor started');
    this.#sensorAttempts = 0;
    this.#clearSensorFault(this.#clock.now());
  }

  #raiseSensorFault(err: Error): void {
    if (this.#sensorFault) return;
    this.#sensorFault = true;
    const message = err.message.slice(0, 256);
    this.#record({ type: 'device.fault', fault: 'sensor.error', active: true, message }, this.#clock.now());
  }

  #clearSensorFault(at: number): void {
    if (!this.#sensorFault) return;
    this.#sensorFault = false;
    this.#record({ type: 'device.fault', fault: 'sensor.error', active: false }, at);
  }

  #onDoorOutput(out: DoorOutput): void {
    if (out.type === 'door.held.open') {
      this.#record(
        { type: out.type, openedAt: new Date(out.openedAt).toISOString(), limitSeconds: out.limitSeconds },
        out.at,
      );
    } else {
      const { at, ...body } = out;
      this.#record(body as DeviceEventBody, at);
    }
    if (out.type !== 'device.fault') this.#saveDoorState();
  }

  /** Load what the last run kept (settings over the config file's, the door's state). */
  #restoreState(): ResumedDoorState | undefined {
    const dir = this.#o.stateDir;
    if (dir === undefined) return undefined;
    try {
      this.#shadowApplied = readSettingsFile(settingsFilePath(dir));
      this.#savedSettings = JSON.stringify(this.#shadowApplied);
      this.#settings = { ...this.#settings, ...this.#shadowApplied };
    } catch (err) {
      this.logger.warn({ err }, 'saved settings unreadable; running on the config file');
    }
    try {
      const door = readDoorStateFile(doorStateFilePath(dir));
      if (door) {
        this.#savedDoor = JSON.stringify(
          toSavedDoorState(door.door, door.openedAt, door.heldOpenRaised === true),
        );
        this.#storedDoor = door.door;
      }
      return door;
    } catch (err) {
      this.logger.warn({ err }, 'saved door state unreadable; starting from the sensor');
      return undefined;
    }
  }

  /** Keep the door's state when it changed (an opening, a closing, held-open raised). */
  #saveDoorState(): void {
    const dir = this.#o.stateDir;
    const st = this.#monitor?.state;
    if (dir === undefined || !st || st.door === 'unknown') return;
    const saved = JSON.stringify(toSavedDoorState(st.door, st.openedAt, st.heldOpenRaised));
    if (saved === this.#savedDoor) return;
    try {
      writeFileAtomic(doorStateFilePath(dir), `${saved}\n`);
      this.#savedDoor = saved;
    } catch (err) {
      this.logger.warn({ err }, 'door state not saved');
    }
  }

  /** Make the event and store it durably; then it counts as accepted and is sent. */
  #record(body: DeviceEventBody, at: number): void {
    if (!this.#running) return;
    let entry: OutboxEntry;
    const now = this.#clock.now();
    try {
      const result = this.#o.outbox.append((seq) => this.#factory.create(body, seq, at), now);
      entry = result.entry;
      if (result.superseded !== undefined) this.#noteDrop('superseded', now);
    } catch (err) {
      this.counters.refused++;
      const heartbeat = body.type === 'device.heartbeat';
      const full = err instanceof OutboxFullError;
      const level = full && heartbeat ? 'warn' : 'error';
      this.logger[level]({ err, type: body.type }, 'event refused by the outbox');
      // Heartbeats are droppable by design; anything else the cloud is told about.
      if (heartbeat) return;
      if (full) this.#noteDrop('refused', now);
      else this.#noteDrop('failed', now, writeFailure(err));
      return;
    }
    if (body.type === 'door.state.changed') this.#storedDoor = body.state;
    this.counters.accepted++;
    for (const l of this.#acceptedListeners) l(entry);
    this.#sender?.pump();
    this.#reportDrops();
  }

  #noteDrop(kind: 'refused' | 'superseded' | 'failed', at: number, failure?: string): void {
    const { refused, superseded, failed } = this.#dropped;
    if (refused + superseded + failed === 0) this.#dropped.since = at;
    this.#dropped[kind]++;
    if (failure !== undefined) this.#dropped.failure = failure;
  }

  /**
   * Once the outbox takes events again, tell the cloud what it did not keep: an outbox.full
   * fault, raised at the first loss and cleared now, whose message counts them and says
   * why (the bound, or a write that failed: a full disk), then the door's current state if
   * the last one the outbox took is not it.
   */
  #reportDrops(): void {
    const dropped = { ...this.#dropped };
    const { refused, superseded, failed, failure, since } = dropped;
    const { outbox } = this.#o;
    if (refused + superseded + failed === 0 || this.#reportingDrops || outbox.depth + 2 > outbox.maxEvents)
      return;
    this.#reportingDrops = true;
    try {
      const before = this.counters.refused;
      const why: string[] = [];
      if (refused + superseded > 0)
        why.push(
          `${refused + superseded} events not kept while the outbox was full (${outbox.maxEvents} events): ` +
            `${refused} refused, ${superseded} door states superseded by a newer one`,
        );
      if (failed > 0) why.push(`${failed} event(s) not kept: ${failure}`);
      const message = why.join('; ').slice(0, 256);
      this.#record({ type: 'device.fault', fault: 'outbox.full', active: true, message }, since);
      this.#record({ type: 'device.fault', fault: 'outbox.full', active: false, message }, this.#clock.now());
      if (this.counters.refused !== before) {
        // Not stored (a disk error): keep the original counts, not our own report, for later.
        this.#dropped = dropped;
        return;
      }
      this.#dropped = { refused: 0, superseded: 0, failed: 0, failure: '', since: 0 };
      const door = this.#monitor?.state.door;
      if (door !== undefined && door !== 'unknown' && door !== this.#storedDoor)
        this.#record({ type: 'door.state.changed', state: door }, this.#clock.now());
    } finally {
      this.#reportingDrops = false;
    }
  }

  #onConnection(state: ConnectionState, error?: Error): void {
    this.#logConnection(state, error);
    this.#writeStatus();
    if (state !== 'connected') this.#sender?.pause();
    if (state !== 'connected' || !this.#running) return;
    this.counters.connects++;
    const { transport } = this.#o;
    const warn = (what: string) => (err: Error) => this.logger.warn({ err: err.message }, what);
    transport
      .publish(topics.status(this.thingName), this.#statusPayload('online'), { qos: 1, retain: true })
      .catch(warn('status not published'));
    // An empty get: the shadow service answers on get/accepted with desired and delta.
    transport.publish(topics.shadow(this.thingName, 'get'), '', { qos: 1 }).catch(warn('shadow get failed'));
    this.#sender?.restart();
  }

  /**
   * A failed or lost connection (refused, not authorized, DNS, a certificate) is a warning
   * the first time and when its reason changes; the same reason again, retry after retry,
   * is info, so the log is not one warning per retry for ever. A connect is info.
   */
  #logConnection(state: ConnectionState, error?: Error): void {
    if (state === 'connected') {
      const after = this.#failedConnects > 0 ? { failedAttempts: this.#failedConnects } : {};
      this.#connectFailure = undefined;
      this.#failedConnects = 0;
      this.logger.info({ state, ...after }, 'connection');
      return;
    }
    if (state === 'disconnected' && !this.#stopping && this.#running) {
      const reason = error?.message ?? 'connection closed';
      this.#failedConnects++;
      const level = reason === this.#connectFailure ? 'info' : 'warn';
      this.#connectFailure = reason;
      this.logger[level]({ state, err: reason, failedAttempts: this.#failedConnects }, 'connection');
      return;
    }
    this.logger.info({ state, ...(error ? { err: error.message } : {}) }, 'connection');
  }

  #applySettings(change: Partial<ShadowSettings>): void {
    const before = this.#settings;
    this.#settings = { ...before, ...change };
    this.#saveSettings(change);
    this.#monitor?.updateSettings(this.#machineSettings());
    if (this.#settings.debounceMs !== before.debounceMs)
      this.#o.sensor.setDebounceMs(this.#settings.debounceMs);
    if (this.#settings.heartbeatIntervalSeconds !== before.heartbeatIntervalSeconds)
      this.#scheduleHeartbeat();
    this.logger.info({ settings: this.#settings }, 'settings applied');
  }

  /** Keep the shadow's settings (only when they change) for an offline restart. */
  #saveSettings(change: Partial<ShadowSettings>): void {
    const dir = this.#o.stateDir;
    if (dir === undefined) return;
    this.#shadowApplied = { ...this.#shadowApplied, ...change };
    const saved = JSON.stringify(this.#shadowApplied);
    if (saved === this.#savedSettings) return;
    try {
      writeJsonAtomic(settingsFilePath(dir), this.#shadowApplied);
      this.#savedSettings = saved;
    } catch (err) {
      this.logger.warn({ err }, 'settings not saved');
    }
  }

  #machineSettings() {
    return {
      heldOpenLimitSeconds: this.#settings.heldOpenLimitSeconds,
      flappingTransitions: this.#o.config.door.flappingTransitions,
      flappingWindowMs: this.#o.config.door.flappingWindowMs,
    };
  }

  #scheduleHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) this.#clock.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = this.#clock.setTimeout(() => {
      this.#heartbeatTimer = undefined;
      if (!this.#running) return;
      this.#record(
        {
          type: 'device.heartbeat',
          uptimeSeconds: Math.max(0, Math.round((this.#clock.now() - this.#startedAt!) / 1000)),
          doorState: this.#monitor?.state.door ?? 'unknown',
          outboxDepth: this.#o.outbox.depth,
          agentVersion: this.#o.agentVersion ?? AGENT_VERSION,
        },
        this.#clock.now(),
      );
      this.#scheduleHeartbeat();
    }, this.#settings.heartbeatIntervalSeconds * 1000);
  }

  #scheduleStatus(): void {
    if (!this.#o.statusFile) return;
    this.#writeStatus();
    this.#statusTimer = this.#clock.setTimeout(() => {
      this.#statusTimer = undefined;
      if (this.#running) this.#scheduleStatus();
    }, this.#o.statusIntervalMs ?? 5_000);
  }

  #writeStatus(): void {
    if (!this.#o.statusFile) return;
    try {
      writeStatusFile(this.#o.statusFile, this.status());
    } catch (err) {
      this.logger.warn({ err }, 'status file not written');
    }
  }

  #clearTimers(): void {
    for (const t of [this.#heartbeatTimer, this.#statusTimer, this.#sensorRetryTimer])
      if (t !== undefined) this.#clock.clearTimeout(t);
    this.#heartbeatTimer = undefined;
    this.#statusTimer = undefined;
    this.#sensorRetryTimer = undefined;
  }

  #statusPayload(state: DeviceStatus['state']): string {
    const status: DeviceStatus = {
      state,
      at: new Date(this.#clock.now()).toISOString(),
      agentVersion: this.#o.agentVersion ?? AGENT_VERSION,
    };
    return JSON.stringify(status);
  }
}

/** Why an append failed to be written, for the outbox.full message: a full disk, said plainly. */
function writeFailure(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const known: Record<string, string> = {
    ENOSPC: 'disk full (ENOSPC)',
    SQLITE_FULL: 'disk full (SQLITE_FULL)',
    EDQUOT: 'disk quota exceeded (EDQUOT)',
    EROFS: 'file system read-only (EROFS)',
    EIO: 'disk I/O error (EIO)',
  };
  if (typeof code === 'string') return known[code] ?? `write failed (${code})`;
  return `write failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 120);
}
