import { parseWith } from '@smartdoor/shared';
import { z } from 'zod';
import { webhookWorstCaseMs } from './webhook.js';

/** WEBHOOK_TIMEOUT_MS and WEBHOOK_ATTEMPTS when unset. */
export const WEBHOOK_DEFAULTS = { timeoutMs: 5_000, attempts: 3 } as const;

/** The notification Lambda's environment, validated once at cold start (every bad variable listed). */
export const NotificationEnv = z
  .object({
    EVENT_BUS_NAME: z.string().min(1).describe('The smartdoor bus Notification Sent/Failed go on'),
    QUEUE_URL: z.url().describe("The function's own SQS queue, for offline and collapse checks"),
    IDEMPOTENCY_TABLE: z.string().min(1).describe('Powertools idempotency records (pk id, TTL expiration)'),
    NOTIFICATION_TABLE: z
      .string()
      .min(1)
      .describe('Collapse windows, deliveries, presence (pk, TTL expiresAt)'),
    WEBHOOK_URL: z.url().optional().describe('JSON POST, HMAC-SHA256 signed'),
    WEBHOOK_SECRET: z.string().min(1).optional(),
    SNS_TOPIC_ARN: z.string().startsWith('arn:').optional(),
    COLLAPSE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    OFFLINE_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(WEBHOOK_DEFAULTS.timeoutMs),
    WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(WEBHOOK_DEFAULTS.attempts),
  })
  .refine((e) => !e.WEBHOOK_URL || e.WEBHOOK_SECRET, {
    path: ['WEBHOOK_SECRET'],
    message: 'required with WEBHOOK_URL: every delivery is signed',
  });
export type NotificationEnv = z.infer<typeof NotificationEnv>;

export function readNotificationEnv(env: Record<string, string | undefined>): NotificationEnv {
  return parseWith(NotificationEnv, env, 'notification environment');
}

/** Time one record's AWS calls (DynamoDB, SNS, PutEvents, SQS) may take besides the webhook. */
export const AWS_CALLS_ALLOWANCE_MS = 5_000;

/**
 * The longest one notification record may take: the webhook's worst case (every attempt
 * timing out, the longest backoffs) plus the AWS calls. The batch handler starts a record
 * only with this much of the invocation left, so the function timeout must hold one.
 */
export function notificationRecordBudgetMs(
  webhook: { timeoutMs: number; attempts: number } = WEBHOOK_DEFAULTS,
): number {
  return webhookWorstCaseMs(webhook) + AWS_CALLS_ALLOWANCE_MS;
}
