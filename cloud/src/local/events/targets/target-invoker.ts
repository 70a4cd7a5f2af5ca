import type { BusEvent } from '@smartdoor/shared';
import type { TargetInput } from '../input-transformer.js';

/** What a target kind needs to deliver one event. */
export interface Invocation {
  /** The target's ARN. */
  arn: string;
  /** The event as the bus matched it (bus targets forward this, not the transformed input). */
  event: BusEvent;
  input: TargetInput;
  /** Unique per attempt: Lambda's awsRequestId. */
  attemptId: string;
}

/**
 * One kind of target (Lambda function, queue, API destination, bus). `invoke` resolves when
 * the target took the event and throws TargetInvocationError (retryable or not) when not.
 */
export interface TargetKind {
  readonly kind: string;
  accepts(arn: string): boolean;
  /** An error text when the ARN is well-formed but names nothing known (checked at PutTargets). */
  check?(arn: string): string | undefined;
  invoke(invocation: Invocation): Promise<void>;
}
