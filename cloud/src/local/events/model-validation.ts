import { EventsValidationError } from './errors.js';
import { checkTargetInput } from './input-transformer.js';
import { DEFAULT_RETRY_POLICY, type RuleState, type Target } from './model.js';

/** Names of buses, rules, archives and replays (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html). */
export function checkName(kind: string, name: unknown, max = 64): string {
  if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]+$/.test(name) || name.length > max) {
    throw new EventsValidationError(
      `1 validation error detected: Value '${String(name)}' at '${kind}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1-${max}`,
    );
  }
  return name;
}

/**
 * A rule's State, ENABLED when absent; anything else is refused rather than stored as a rule
 * that silently never matches (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html).
 */
export function checkRuleState(state: unknown): RuleState {
  if (state === undefined) return 'ENABLED';
  if (state === 'ENABLED' || state === 'DISABLED') return state;
  if (state === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS') {
    throw new EventsValidationError(`State ${state} is not supported locally: there is no CloudTrail.`);
  }
  throw new EventsValidationError(
    `1 validation error detected: Value '${String(state)}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]`,
  );
}

/** Fills in the retry policy and checks a target's settings as PutTargets does. */
export function normalizeTarget(input: Partial<Target> & { id: string; arn: string }): Target {
  checkName('Targets.member.Id', input.id);
  const retry = { ...DEFAULT_RETRY_POLICY, ...input.retryPolicy };
  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
  if (
    !Number.isInteger(retry.maximumRetryAttempts) ||
    retry.maximumRetryAttempts < 0 ||
    retry.maximumRetryAttempts > 185
  ) {
    throw new EventsValidationError('RetryPolicy.MaximumRetryAttempts must be an integer from 0 to 185.');
  }
  if (
    !Number.isInteger(retry.maximumEventAgeInSeconds) ||
    retry.maximumEventAgeInSeconds < 60 ||
    retry.maximumEventAgeInSeconds > 86_400
  ) {
    throw new EventsValidationError(
      'RetryPolicy.MaximumEventAgeInSeconds must be an integer from 60 to 86400.',
    );
  }
  const target: Target = { id: input.id, arn: input.arn, retryPolicy: retry };
  if (input.input !== undefined) target.input = input.input;
  if (input.inputPath !== undefined) target.inputPath = input.inputPath;
  if (input.inputTransformer !== undefined) target.inputTransformer = input.inputTransformer;
  if (input.deadLetterArn !== undefined) target.deadLetterArn = input.deadLetterArn;
  const inputError = checkTargetInput(target);
  if (inputError) throw new EventsValidationError(inputError);
  return target;
}
