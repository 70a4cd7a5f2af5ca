import { parseWith } from '@smartdoor/shared';
import { z } from 'zod';

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** The identification Lambda's environment, validated once at cold start (every bad variable listed). */
export const IdentificationEnv = z.object({
  EVENT_BUS_NAME: z.string().min(1).describe('The smartdoor bus results are put on'),
  QUEUE_URL: z.url().describe("The function's own SQS queue, for delayed window checks"),
  IDEMPOTENCY_TABLE: z.string().min(1).describe('Powertools idempotency records (pk id, TTL expiration)'),
  CORRELATION_TABLE: z.string().min(1).describe('Openings and badge reads (pk, sk, TTL expiresAt)'),
  BADGE_TABLE: z.string().min(1).describe('The badge directory (pk badgeRef)'),
  IOT_DATA_ENDPOINT: z
    .url()
    .describe('The account IoT data endpoint, https://xxx-ats.iot.REGION.amazonaws.com'),
  BADGE_WINDOW_SECONDS: seconds(1, 3_600, 10).describe('How far apart a badge read and an opening may be'),
  BUZZER_DURATION_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
});
export type IdentificationEnv = z.infer<typeof IdentificationEnv>;

export function readIdentificationEnv(env: Record<string, string | undefined>): IdentificationEnv {
  return parseWith(IdentificationEnv, env, 'identification environment');
}
