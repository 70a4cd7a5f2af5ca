import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { ContractValidationError, parseCloudConfig } from '@smartdoor/shared';
import { Command, InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { LocalCloud } from '../local/local-cloud.js';
import { installThreadedSubscribers } from '../local/subscriber-thread/subscriber-thread.js';
import {
  addSubscriberOptions,
  type SubscriberFlags,
  subscriberConfigFromFlags,
} from '../local/subscribers.js';

/** Where the command writes and which signals stop it (tests pass their own). */
export interface CloudCommandIo {
  /** @default process.stdout.write */
  stdout?: (text: string) => void;
  /** @default process.stderr.write */
  stderr?: (text: string) => void;
  /** @default sets process.exitCode */
  setExitCode?: (code: number) => void;
  /** Emits SIGINT / SIGTERM. @default process */
  signals?: Pick<EventEmitter, 'once' | 'off'>;
  /** Called with the started cloud (tests). */
  onStarted?: (cloud: LocalCloud) => void;
  /**
   * Run the identification and notification subscribers in the process, as on AWS.
   * @default true
   */
  subscribers?: boolean;
  logger?: Logger;
}

/** Exit codes: 0 stopped cleanly, 1 failed while running, 2 bad configuration or arguments. */
export const EXIT_FAILED = 1;
export const EXIT_BAD_CONFIG = 2;

interface CloudFlags extends SubscriberFlags {
  config?: string;
  dataDir?: string;
  host?: string;
  mqttPort?: number;
  mqtt: boolean;
  mqttsPort?: number;
  awsPort?: number;
  httpPort?: number;
}

/**
 * `smartdoor cloud`: the local cloud in the foreground. Prints one JSON line on stdout when
 * ready (`{"ready": true, "mqtt": ..., "mqtts": ..., "aws": ..., "dashboard": ..., "dataDir": ...}`);
 * logs go to stderr; SIGINT/SIGTERM stop it cleanly.
 */
export function cloudCommand(io: CloudCommandIo = {}): Command {
  const out = io.stdout ?? ((t: string) => process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => process.stderr.write(t));
  const setExit = io.setExitCode ?? ((code: number) => (process.exitCode = code));
  const signals = io.signals ?? process;

  const command = new Command('cloud')
    .description('Start the local cloud: MQTT broker (mTLS), AWS endpoint, EventBridge bus, rules, dashboard')
    .option('--config <file>', 'JSON file with the cloud configuration (CloudConfig); flags override it')
    .option('--data-dir <dir>', 'folder for state.db and the local CA (default .data/cloud)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1: loopback only)')
    .option('--mqtt-port <port>', 'plain MQTT port for development, 0 picks a free one (default 1883)', port)
    .option('--no-mqtt', 'turn the plain MQTT listener off (mTLS only)')
    .option(
      '--mqtts-port <port>',
      'MQTT over TLS with client certificates, 0 picks a free one (default 8883)',
      port,
    )
    .option('--aws-port <port>', 'AWS API endpoint port, 0 picks a free one (default 4566)', port)
    .option('--http-port <port>', 'dashboard and /metrics port, 0 picks a free one (default 8080)', port);
  return addSubscriberOptions(command).action(async (flags: CloudFlags) => {
    let config: ReturnType<typeof parseCloudConfig>;
    try {
      config = await buildConfig(flags);
    } catch (e) {
      err(`smartdoor cloud: ${(e as Error).message}\n`);
      setExit(EXIT_BAD_CONFIG);
      return;
    }
    const cloud = new LocalCloud(config, io.logger ? { logger: io.logger } : {});
    let stopped!: () => void;
    const done = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const onSignal = (name: string) => {
      cloud.logger.info({ signal: name }, 'stopping');
      stopped();
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    signals.once('SIGINT', onInt);
    signals.once('SIGTERM', onTerm);
    let subscribers: { stop(): Promise<void> } | undefined;
    try {
      const endpoints = await cloud.start();
      if (io.subscribers !== false) subscribers = await installThreadedSubscribers(cloud);
      out(`${JSON.stringify(endpoints)}\n`);
      io.onStarted?.(cloud);
      await done;
    } catch (e) {
      err(`smartdoor cloud: ${(e as Error).message}\n`);
      setExit(EXIT_FAILED);
    } finally {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      await subscribers?.stop();
      await cloud.stop();
    }
  });
}

/** Config file, then flags on top, validated once (every bad field listed). */
export async function buildConfig(flags: CloudFlags): Promise<ReturnType<typeof parseCloudConfig>> {
  let base: Record<string, unknown> = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (e) {
      throw new Error(`cannot read config file ${flags.config}: ${(e as Error).message}`, { cause: e });
    }
    try {
      base = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`config file ${flags.config} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (base === null || typeof base !== 'object' || Array.isArray(base)) {
      throw new Error(`config file ${flags.config} must hold a JSON object`);
    }
  }
  const merged: Record<string, unknown> = { ...base, ...subscriberConfigFromFlags(flags) };
  if (flags.dataDir !== undefined) merged.dataDir = flags.dataDir;
  if (flags.host !== undefined) merged.host = flags.host;
  if (flags.mqttPort !== undefined) merged.mqttPort = flags.mqttPort;
  if (flags.mqtt === false) merged.mqttPort = null;
  if (flags.mqttsPort !== undefined) merged.mqttsPort = flags.mqttsPort;
  if (flags.awsPort !== undefined) merged.awsPort = flags.awsPort;
  if (flags.httpPort !== undefined) merged.httpPort = flags.httpPort;
  try {
    return parseCloudConfig(merged);
  } catch (e) {
    if (e instanceof ContractValidationError) throw new Error(e.message, { cause: e });
    throw e;
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}
