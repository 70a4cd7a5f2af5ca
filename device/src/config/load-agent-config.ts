import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  type AgentConfig,
  BADGE_SECRET_ENV,
  badgeSecretFromEnv,
  ContractValidationError,
  decodeBadgeSecret,
  formatIssue,
  parseAgentConfig,
} from '@smartdoor/shared';
import {
  BadgeSecretError,
  ConfigFileMalformedError,
  ConfigFileNotFoundError,
  ConfigInvalidError,
} from './errors.js';

export const DEFAULT_AGENT_CONFIG_PATH = '/etc/smartdoor/agent.json';
/** Shortest badge secret accepted: an HMAC key under 16 bytes is guessable. */
export const MIN_BADGE_SECRET_BYTES = 16;

export interface LoadAgentConfigOptions {
  /**
   * The JSON file to read.
   * @default env.SMARTDOOR_AGENT_CONFIG, else /etc/smartdoor/agent.json
   */
  path?: string;
  /**
   * Environment used for the file path and the overrides.
   * @default process.env
   */
  env?: Record<string, string | undefined>;
  /**
   * Reads a file as UTF-8; injected by tests.
   * @default fs.readFileSync
   */
  readFile?: (path: string) => string;
}

/** Where the config file is, from the options or the environment. */
export function resolveAgentConfigPath(opts: LoadAgentConfigOptions = {}): string {
  const env = opts.env ?? process.env;
  return opts.path ?? nonEmpty(env.SMARTDOOR_AGENT_CONFIG) ?? DEFAULT_AGENT_CONFIG_PATH;
}

/**
 * Read the agent's JSON config, apply the environment overrides, and validate it with the
 * shared schema. Relative file paths in the file (dataDir, certificates, secret) are taken
 * relative to the config file's folder, so a config folder can be moved as a whole.
 * Throws a ConfigFileNotFoundError, ConfigFileMalformedError or ConfigInvalidError (every
 * bad field listed at once).
 */
export function loadAgentConfig(opts: LoadAgentConfigOptions = {}): AgentConfig {
  const env = opts.env ?? process.env;
  const path = resolveAgentConfigPath(opts);
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let text: string;
  try {
    text = readFile(path);
  } catch (cause) {
    throw new ConfigFileNotFoundError(path, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigFileMalformedError(path, { cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigInvalidError(path, ['(document): expected a JSON object']);
  }
  const merged = applyEnvOverrides(raw as Record<string, unknown>, env);
  let config: AgentConfig;
  try {
    config = parseAgentConfig(merged);
  } catch (cause) {
    if (cause instanceof ContractValidationError) {
      throw new ConfigInvalidError(path, cause.issues.map(formatIssue), { cause });
    }
    throw cause;
  }
  return resolvePaths(config, dirname(resolve(path)));
}

/**
 * Environment overrides for paths and secrets, so a container or systemd drop-in can
 * change them without editing the file. They win over the file.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  set(out, 'dataDir', env.SMARTDOOR_DATA_DIR);
  const mqttRaw = raw.mqtt;
  const isObject = mqttRaw !== null && typeof mqttRaw === 'object' && !Array.isArray(mqttRaw);
  // A non-object mqtt is kept as it is, so the schema reports it rather than us hiding it.
  if (mqttRaw !== undefined && !isObject) return out;
  const mqtt: Record<string, unknown> = isObject ? { ...(mqttRaw as Record<string, unknown>) } : {};
  set(mqtt, 'endpoint', env.SMARTDOOR_MQTT_ENDPOINT);
  set(mqtt, 'certFile', env.SMARTDOOR_CERT_FILE);
  set(mqtt, 'keyFile', env.SMARTDOOR_KEY_FILE);
  set(mqtt, 'caFile', env.SMARTDOOR_CA_FILE);
  if (isObject || Object.keys(mqtt).length > 0) out.mqtt = mqtt;
  return out;
}

function set(target: Record<string, unknown>, key: string, value: string | undefined): void {
  const v = nonEmpty(value);
  if (v !== undefined) target[key] = v;
}

function resolvePaths(config: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...config,
    dataDir: abs(config.dataDir) ?? config.dataDir,
    badgeSecretFile: abs(config.badgeSecretFile),
    mqtt: {
      ...config.mqtt,
      caFile: abs(config.mqtt.caFile),
      certFile: abs(config.mqtt.certFile),
      keyFile: abs(config.mqtt.keyFile),
    },
  };
}

/**
 * The HMAC secret for badge references: env SMARTDOOR_BADGE_SECRET wins, else the file
 * named by `badgeSecretFile` (trailing newline ignored). Values written `hex:...` or
 * `base64:...` are decoded; anything else is taken as UTF-8 bytes. At least 16 bytes.
 * Throws a BadgeSecretError that never contains the secret.
 */
export function loadBadgeSecret(
  config: Pick<AgentConfig, 'badgeSecretFile'>,
  env: Record<string, string | undefined> = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Buffer {
  // Read and decoded by the shared functions the cloud's badge seed uses too.
  let text = badgeSecretFromEnv(env);
  let source = BADGE_SECRET_ENV;
  if (text === undefined) {
    if (config.badgeSecretFile === undefined) {
      throw new BadgeSecretError(
        'no badge secret: set SMARTDOOR_BADGE_SECRET or badgeSecretFile in the agent config',
      );
    }
    source = config.badgeSecretFile;
    try {
      text = readFile(config.badgeSecretFile).replace(/\r?\n$/, '');
    } catch (cause) {
      throw new BadgeSecretError(`badge secret file ${source} cannot be read`, { cause });
    }
  }
  const secret = decodeSecret(text, source);
  if (secret.length < MIN_BADGE_SECRET_BYTES) {
    throw new BadgeSecretError(
      `badge secret from ${source} is ${secret.length} bytes; at least ${MIN_BADGE_SECRET_BYTES} are needed`,
    );
  }
  return secret;
}

function decodeSecret(text: string, source: string): Buffer {
  const secret = decodeBadgeSecret(text);
  if (typeof secret === 'string') throw new BadgeSecretError(`badge secret from ${source} is ${secret}`);
  return secret;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
