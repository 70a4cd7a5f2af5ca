/**
 * The EventBridge event-pattern matcher: check, compile and match kept apart (STYLE.md 13).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
import { InvalidEventPatternError } from './errors.js';
import { parseEventPattern } from './parse.js';

export { CompiledEventPattern, compileEventPattern } from './compile.js';
export { EventPatternError, InvalidEventError, InvalidEventPatternError } from './errors.js';
export { matchesEventPattern } from './match.js';
export type { Alternative, FieldTest, ValueMatcher } from './model.js';
export { DEFAULT_LIMITS, type PatternLimits, parseEventPattern } from './parse.js';
export { RuleMatcher, type RuleMatcherOptions } from './rule-matcher.js';

/** Returns undefined when valid, else the error message EventBridge would give. */
export function checkEventPattern(pattern: string | object): string | undefined {
  try {
    parseEventPattern(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return e.message;
    /* v8 ignore next 2 -- a bug in the checker, not a verdict on the pattern: let it surface */
    throw e;
  }
}
