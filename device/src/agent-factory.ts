import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '@smartdoor/shared';
import pino, { type Logger } from 'pino';
import { DoorAgent, LOG_REDACT_PATHS } from './agent.js';
import type { Clock } from './core/clock.js';
import { AgentError } from './core/errors.js';
import { GpiodReedSwitch } from './inputs/gpio/gpiod-reed-switch.js';
import { selectGpioDriver } from './inputs/gpio/select-gpio-driver.js';
import { SysfsReedSwitch } from './inputs/gpio/sysfs-reed-switch.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import type { BadgeReader, Buzzer, DoorSensor } from './inputs/types.js';
import { LogOutbox } from './outbox/log-outbox.js';
import { SqliteOutbox } from './outbox/sqlite-outbox.js';
import type { Outbox } from './outbox/types.js';
import { statusFilePath } from './status-file.js';
import { createTransport } from './transport/create-transport.js';
import type { Transport } from './transport/types.js';

export type OutboxKind = 'sqlite' | 'log';

/**
 * The default outbox. Measured by `npm run bench:agent` (see device/README.md): SQLite
 * in WAL mode with synchronous=FULL does one fsync of the WAL per append, as the log
 * does, and its appends/s are within the log's range; it wins on what the numbers do
 * not show: crash recovery, bounded memory (the log keeps live entries in RAM) and
 * tooling (`sqlite3 outbox.db` to inspect a door in the field).
 */
export const DEFAULT_OUTBOX_KIND: OutboxKind = 'sqlite';

export function outboxPath(dataDir: string, kind: OutboxKind): string {
  return join(dataDir, kind === 'sqlite' ? 'outbox.db' : 'outbox.log');
}

export function createOutbox(config: AgentConfig, kind: OutboxKind = DEFAULT_OUTBOX_KIND): Outbox {
  const options = { maxEvents: config.outbox.maxEvents };
  const path = outboxPath(config.dataDir, kind);
  return kind === 'sqlite' ? new SqliteOutbox(path, options) : new LogOutbox(path, options);
}

export function createLogger(config: AgentConfig): Logger {
  return pino({ level: config.logLevel, redact: LOG_REDACT_PATHS, base: { thing: config.thingName } });
}

/** The door sensor the config names; `auto` picks sysfs or gpiod (see selectGpioDriver). */
export function createDoorSensor(config: AgentConfig, logger: Logger): DoorSensor {
  const r = config.reedSwitch;
  const choice = selectGpioDriver({ requested: r.driver });
  logger.info({ driver: choice.driver, reason: choice.reason }, 'door sensor driver');
  const common = {
    bcmPin: r.bcmPin,
    wiring: r.wiring,
    activeLow: r.activeLow,
    debounceMs: config.door.debounceMs,
  };
  if (choice.driver === 'simulated') return new SimulatedDoorSensor();
  if (choice.driver === 'sysfs') return new SysfsReedSwitch(common);
  return new GpiodReedSwitch({ ...common, gpioChip: r.gpioChip });
}

export interface BuildAgentOptions {
  /** Replace the inputs built from the config (tests, the simulator). */
  sensor?: DoorSensor;
  badgeReader?: BadgeReader;
  buzzer?: Buzzer;
  /** The badge HMAC key, or a function that loads it (called only when a reader is built). */
  badgeSecret?: Uint8Array | string | (() => Uint8Array | string);
  transport?: Transport;
  outbox?: Outbox;
  /** @default DEFAULT_OUTBOX_KIND */
  outboxKind?: OutboxKind;
  logger?: Logger;
  clock?: Clock;
  /** Reads certificate files. @default fs.readFileSync */
  readFile?: (path: string) => Buffer;
}

/**
 * Build a DoorAgent with real parts from an AgentConfig: the GPIO door sensor, the
 * transport for the endpoint, the default durable outbox in the data dir, and the
 * status file there. Anything given in `options` is used instead.
 */
export async function buildAgent(config: AgentConfig, options: BuildAgentOptions = {}): Promise<DoorAgent> {
  const logger = options.logger ?? createLogger(config);
  const readFile = options.readFile ?? ((p: string) => readFileSync(p));
  const sensor = options.sensor ?? createDoorSensor(config, logger);
  // TODO(inputs helper): build the serial badge reader and the GPIO buzzer from
  // config.badgeReader / config.buzzer once their drivers land in device/src/inputs/.
  const badgeReader = options.badgeReader;
  const buzzer = options.buzzer;
  if (!badgeReader && config.badgeReader.enabled && config.reedSwitch.driver !== 'simulated') {
    logger.warn('badge reader enabled in the config but no serial driver is wired yet; badges are not read');
  }
  if (badgeReader && options.badgeSecret === undefined) {
    throw new AgentError('a badge reader needs a badge secret (SMARTDOOR_BADGE_SECRET or badgeSecretFile)');
  }
  const secret =
    typeof options.badgeSecret === 'function' && badgeReader ? options.badgeSecret() : options.badgeSecret;
  const transport =
    options.transport ?? (await createTransport(config, { logger, clock: options.clock, readFile }));
  return new DoorAgent({
    config,
    sensor,
    badgeReader,
    buzzer,
    badgeSecret: typeof secret === 'function' ? undefined : secret,
    transport,
    outbox: options.outbox ?? createOutbox(config, options.outboxKind),
    clock: options.clock,
    logger,
    statusFile: statusFilePath(config.dataDir),
  });
}
