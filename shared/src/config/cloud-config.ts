import { z } from 'zod';
import { parseWith } from '../validation.js';

/** A TCP port; 0 picks a free one. */
const port = z.number().int().min(0).max(65_535);

/**
 * The local cloud's configuration (`smartdoor cloud --config FILE`, each field also a
 * CLI flag). Defaults bind to loopback only.
 */
export const CloudConfig = z.object({
  dataDir: z.string().default('.data/cloud').describe('SQLite state, the local CA and its keys'),
  host: z
    .string()
    .default('127.0.0.1')
    .describe('Interface to listen on; loopback unless you mean otherwise'),
  mqttPort: port
    .nullable()
    .default(1883)
    .describe('Plain MQTT on loopback for development; null turns it off'),
  mqttsPort: port.default(8883).describe('MQTT over TLS with client certificates'),
  awsPort: port.default(4566).describe('One port for every AWS API the project uses'),
  httpPort: port.default(8080).describe('Dashboard and /metrics'),
  region: z
    .string()
    .default('us-east-1')
    .describe('Region in ARNs and the SigV4 scope clients must sign for'),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .default('000000000000')
    .describe('Account id in ARNs'),
  eventBusName: z.string().default('smartdoor').describe("The project's EventBridge bus"),
  checkSignatures: z
    .boolean()
    .default(false)
    .describe('Verify SigV4 signatures against the configured credentials'),
  credentials: z
    .object({
      accessKeyId: z.string().describe('Access key id clients sign with'),
      secretAccessKey: z.string().describe('Secret key, checked only with checkSignatures'),
    })
    .default({ accessKeyId: 'test', secretAccessKey: 'test' })
    .describe('What the SDK clients sign with (any key works unless checkSignatures)'),
  webhookUrl: z.url().optional().describe('Notification webhook (JSON POST, HMAC-SHA256 signed)'),
  webhookSecret: z.string().optional().describe('Secret for the webhook signature'),
  badgesFile: z.string().optional().describe('CSV or JSON seed of the badge directory'),
  badgeWindowSeconds: z
    .number()
    .int()
    .min(1)
    .max(3_600)
    .default(10)
    .describe('How far apart a badge read and a door opening may be'),
  notificationCollapseSeconds: z
    .number()
    .int()
    .min(0)
    .default(60)
    .describe('Repeats for the same door and reason within this window make one notification'),
  archiveRetentionDays: z
    .number()
    .int()
    .min(0)
    .default(7)
    .describe(
      "Days the bus's own archive of every event ({bus}-all) keeps them; 0 keeps them forever. Applied at every start, to an existing data folder too",
    ),
  persistentSessionExpirySeconds: z
    .number()
    .int()
    .min(1)
    .max(604_800)
    .default(3_600)
    .describe(
      "How long the broker keeps a persistent session's subscriptions and queued messages after its client went (IoT Core: 1 hour, at most 7 days)",
    ),
  offlineGraceSeconds: z
    .number()
    .int()
    .min(0)
    .default(30)
    .describe('A disconnect shorter than this raises nothing'),
});
export type CloudConfig = z.infer<typeof CloudConfig>;
export type CloudConfigInput = z.input<typeof CloudConfig>;

export function parseCloudConfig(input: unknown): CloudConfig {
  return parseWith(CloudConfig, input, 'cloud config');
}
