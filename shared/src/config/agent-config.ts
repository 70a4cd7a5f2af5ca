import { z } from 'zod';
import { ShadowSettings } from '../commands.js';
import { parseWith } from '../validation.js';

/**
 * The agent's configuration file (e.g. /etc/smartdoor/agent.json). One schema, checked
 * at start-up; every error is reported at once as `path: expected X, received Y`.
 * The TypeScript type is inferred from it: there is no second copy.
 */
export const ReedSwitchConfig = z.object({
  driver: z
    .enum(['sysfs', 'gpiod', 'simulated', 'auto'])
    .default('auto')
    .describe('GPIO driver; auto picks sysfs when the kernel has it, else the character device'),
  bcmPin: z.number().int().min(0).max(53).default(17).describe('BCM GPIO number of the reed switch'),
  wiring: z
    .enum(['normally-open', 'normally-closed'])
    .default('normally-open')
    .describe('Switch contact when the door is closed and the magnet is near'),
  activeLow: z.boolean().default(true).describe('Input reads 0 when the contact is closed (pull-up wiring)'),
  gpioChip: z.string().default('auto').describe('gpiochip label or device for the gpiod driver'),
});

export const BadgeReaderConfig = z.object({
  enabled: z.boolean().default(true).describe('Read badges (false: a door with a reed switch only)'),
  path: z.string().default('/dev/serial0').describe('Serial device of the badge reader'),
  baudRate: z.number().int().positive().default(9600).describe('Serial speed; the RDM6300 sends at 9600'),
  protocol: z
    .enum(['rdm6300', 'line'])
    .default('rdm6300')
    .describe('rdm6300: STX, 10 hex, 2 checksum, ETX; line: one id per line'),
  reconnectMs: z
    .number()
    .int()
    .min(100)
    .default(2_000)
    .describe('Wait between attempts to open a missing or unplugged reader'),
});

export const BuzzerConfig = z.object({
  enabled: z.boolean().default(false).describe('Sound a buzzer when the cloud says so (unknown badge)'),
  bcmPin: z.number().int().min(0).max(53).default(18).describe('BCM GPIO number of the buzzer'),
});

export const MqttConfig = z.object({
  endpoint: z
    .string()
    .min(1)
    .describe('Broker URL: mqtts://host:8883 for IoT Core, mqtt://127.0.0.1:1883 for a local broker'),
  transport: z
    .enum(['auto', 'aws-iot', 'mqtt'])
    .default('auto')
    .describe('auto: aws-iot for *.amazonaws.com when aws-crt is present, else MQTT.js'),
  clientId: z
    .string()
    .optional()
    .describe('Defaults to the thing name (IoT Core requires it for the policy)'),
  caFile: z
    .string()
    .optional()
    .describe("CA the broker's certificate must chain to (Amazon Root CA 1 for IoT Core)"),
  certFile: z.string().optional().describe("The door's client certificate (PEM), for mutual TLS"),
  keyFile: z.string().optional().describe("The door's private key (PEM, mode 0600)"),
  keepaliveSeconds: z
    .number()
    .int()
    .min(30)
    .max(1200)
    .default(30)
    .describe('MQTT keepalive; IoT Core allows 30-1200 (a local broker honours what is asked)'),
  reconnect: z
    .object({
      initialDelayMs: z
        .number()
        .int()
        .positive()
        .default(1_000)
        .describe('First reconnect wait; doubles, with jitter'),
      maxDelayMs: z.number().int().positive().default(60_000).describe('Longest reconnect wait'),
    })
    .prefault({}),
});

export const OutboxConfig = z.object({
  maxEvents: z
    .number()
    .int()
    .min(100)
    .default(100_000)
    .describe('Bound of the durable outbox; when full, heartbeats are dropped first, door events never'),
  inflight: z.number().int().min(1).max(100).default(10).describe('Publishes awaiting PUBACK at once'),
});

export const MetricsConfig = z.object({
  enabled: z.boolean().default(false).describe('Serve Prometheus metrics over HTTP at /metrics'),
  host: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address to listen on; loopback unless a scraper elsewhere needs it'),
  port: z.number().int().min(0).max(65535).default(9464).describe('TCP port; 0 picks a free one'),
});

export const AgentConfig = z.object({
  thingName: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,128}$/)
    .describe('The IoT thing name of this door'),
  dataDir: z.string().default('/var/lib/smartdoor').describe('Outbox and state; must survive reboots'),
  mqtt: MqttConfig,
  reedSwitch: ReedSwitchConfig.prefault({}),
  badgeReader: BadgeReaderConfig.prefault({}),
  buzzer: BuzzerConfig.prefault({}),
  door: ShadowSettings.extend({
    flappingTransitions: z
      .number()
      .int()
      .min(3)
      .default(10)
      .describe('Transitions within the window that mean a faulty sensor'),
    flappingWindowMs: z
      .number()
      .int()
      .min(100)
      .default(5_000)
      .describe('Window the flapping transitions are counted in'),
  }).prefault({}),
  outbox: OutboxConfig.prefault({}),
  metrics: MetricsConfig.prefault({}),
  badgeSecretFile: z
    .string()
    .optional()
    .describe('File holding the HMAC secret for badge references (env SMARTDOOR_BADGE_SECRET overrides)'),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
    .default('info')
    .describe('Least severe log level written (to stdout, for the journal)'),
});
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

export function parseAgentConfig(input: unknown): AgentConfig {
  return parseWith(AgentConfig, input, 'agent config');
}
