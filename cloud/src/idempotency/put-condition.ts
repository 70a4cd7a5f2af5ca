import { IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';

/** The stored fields the put condition looks at. */
export interface StoredRecordState {
  status: string;
  /** Seconds since the epoch. */
  expiration: number | null;
  /** Milliseconds since the epoch. */
  inProgressExpiration: number | null;
}

/**
 * Whether a new INPROGRESS record may replace what is stored, with the same condition
 * the DynamoDB persistence layer writes as a ConditionExpression
 * (`attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND
 * attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)`):
 *
 *   |   LOCKED   |  RETRY if status = INPROGRESS  |  RETRY
 *   |------------|--------------------------------|---------> time
 *   |   Lambda timeout (in-progress expiry)   record expiry
 *
 * https://docs.aws.amazon.com/powertools/typescript/latest/features/idempotency/#idempotency-request-flow
 */
export function mayReplace(existing: StoredRecordState | undefined, nowMs: number): boolean {
  if (existing === undefined) return true;
  if (existing.expiration !== null && existing.expiration < nowMs / 1000) return true;
  return (
    existing.status === IdempotencyRecordStatus.INPROGRESS &&
    existing.inProgressExpiration !== null &&
    existing.inProgressExpiration < nowMs
  );
}
