import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '@smartdoor/shared';
import pino, { type Logger } from 'pino';
import { DoorAgent, LOG_REDACT_PATHS } from './agent.js';
import type { Clock } from './core/clock.js';
import { AgentError, OutboxStrandedError } from './core/errors.js';
import {
  createBadgeReader,
  createBuzzer,
  createDoorSensor,
  type HardwareDeps,
} from './inputs/create-hardware.js';
import { SimulatedBuzzer } from './inputs/simulated-badge-reader.js';
import { SimulatedDoorSensor } from './inputs/simulated-door-sensor.js';
import type { BadgeReader, Buzzer, DoorSensor } from './inputs/types.js';
import { inspectOutbox } from './outbox/inspect-outbox.js';
import { LogOutbox } from './outbox/log-outbox.js';
import { SqliteOutbox } from './outbox/sqlite-outbox.js';
import type { Outbox } from './outbox/types.js';
import { statusFilePath } from './status-file.js';
import { createTransport } from './transport/create-transport.js';
import type { Transport } from './transport/types.js';

export type OutboxKind = 'sqlite' | 'log';

/**
 * The default outbox: the append-only log. Measured by `npm run bench:agent` (numbers in
 * device/README.md): with one fsync per accepted event in both, the log and SQLite (WAL,
 * synchronous=FULL) append at the same rate within noise, since the fsync sets it; the
 * log writes about a fifth of the bytes per event (one small record against several
 * 4 KB WAL pages), and writes are what wear out a Pi's SD card. SQLite stays available
 * (`--outbox sqlite`) and passes the same contract and crash tests.
 */
export const DEFAULT_OUTBOX_KIND: OutboxKind = 'log';

export function outboxPath(dataDir: string, kind: OutboxKind): string {
  return join(dataDir, kind === 'sqlite' ? 'outbox.db' : 'outbox.log');
}

/**
 * The outbox of `kind` in the data folder. Throws OutboxStrandedError when the other
 * kind's outbox there still holds unsent events (see assertNothingStranded); when it
 * holds none, the new outbox's seqs carry on after the other's.
 */
export function createOutbox(
  config: AgentConfig,
  kind: OutboxKind = DEFAULT_OUTBOX_KIND,
  logger?: Logger,
): Outbox {
  const path = outboxPath(config.dataDir, kind);
  const firstSeq = assertNothingStranded(config.dataDir, kind);
  const options = { maxEvents: config.outbox.maxEvents, logger, firstSeq };
  return kind === 'sqlite' ? new SqliteOutbox(path, options) : new LogOutbox(path, options);
}

/**
 * Refuse to start on one kind of outbox while the other still holds events: they would
 * never be sent, and the new store would hand out their seqs again. Returns the other's
 * next seq (1 when there is no other), where the new one's seqs must start at the least.
 */
function assertNothingStranded(dataDir: string, kind: OutboxKind): number {
  const other: OutboxKind = kind === 'sqlite' ? 'log' : 'sqlite';
  const otherFile = outboxPath(dataDir, other);
  let snapshot: ReturnType<typeof inspectOutbox>;
  try {
    snapshot = inspectOutbox(otherFile, other);
  } catch (cause) {
    throw new OutboxStrandedError(outboxPath(dataDir, kind), other, otherFile, undefined, { cause });
  }
  if (snapshot?.depth)
    throw new OutboxStrandedError(outboxPath(dataDir, kind), other, otherFile, snapshot.depth);
  return snapshot?.nextSeq ?? 1;
}

export function createLogger(config: AgentConfig): Logger {
  return pino({ level: config.logLevel, redact: LOG_REDACT_PATHS, base: { thing: config.thingName } });
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
  /** What the hardware drivers are built with (fake sysfs, gpiod runner, serial port). */
  hardware?: HardwareDeps;
}

/**
 * Build a DoorAgent with real parts from an AgentConfig: the reed switch, badge reader
 * and buzzer drivers (device/src/inputs/create-hardware.ts), the transport for the
 * endpoint, the default durable outbox in the data dir, and the status file there.
 * Anything given in `options` is used instead.
 */
export async function buildAgent(config: AgentConfig, options: BuildAgentOptions = {}): Promise<DoorAgent> {
  const logger = options.logger ?? createLogger(config);
  const readFile = options.readFile ?? ((p: string) => readFileSync(p));
  const hardware: HardwareDeps = {
    simulatedSensor: () => new SimulatedDoorSensor(),
    simulatedBuzzer: () => new SimulatedBuzzer(),
    logger,
    ...options.hardware,
  };
  let sensor = options.sensor;
  if (!sensor) {
    const built = createDoorSensor(config, hardware);
    logger.info({ driver: built.choice.driver, reason: built.choice.reason }, 'door sensor driver');
    sensor = built.sensor;
  }
  const badgeReader = options.badgeReader ?? createBadgeReader(config, hardware);
  const buzzer = options.buzzer ?? createBuzzer(config, hardware);
  let badgeSecret: Uint8Array | string | undefined;
  if (badgeReader) {
    if (options.badgeSecret === undefined) {
      throw new AgentError('a badge reader needs a badge secret (SMARTDOOR_BADGE_SECRET or badgeSecretFile)');
    }
    badgeSecret = typeof options.badgeSecret === 'function' ? options.badgeSecret() : options.badgeSecret;
  }
  const transport =
    options.transport ?? (await createTransport(config, { logger, clock: options.clock, readFile }));
  return new DoorAgent({
    config,
    sensor,
    badgeReader,
    buzzer,
    badgeSecret,
    transport,
    outbox: options.outbox ?? createOutbox(config, options.outboxKind, logger),
    clock: options.clock,
    logger,
    statusFile: statusFilePath(config.dataDir),
    stateDir: config.dataDir,
  });
}
