import type { z } from 'zod';
import { ContractValidationError, describeValue, type FieldIssue } from './errors.js';

/** Read the value at a path, to say what was received. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Say in words what a zod issue expected. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'datetime')
        return 'an ISO 8601 UTC timestamp with milliseconds (2026-11-22T12:00:00.123Z)';
      if (issue.format === 'uuid') return 'a UUID';
      if (issue.format === 'regex') return `a string matching ${issue.pattern}`;
      return `a ${issue.format} string`;
    case 'too_small':
      if (issue.origin === 'number')
        return issue.inclusive ? `a number >= ${issue.minimum}` : `a number > ${issue.minimum}`;
      return `at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      if (issue.origin === 'number')
        return issue.inclusive ? `a number <= ${issue.maximum}` : `a number < ${issue.maximum}`;
      return `at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `no unknown keys (${issue.keys.join(', ')})`;
    default:
      return issue.message;
  }
}

/** Turn zod's issues into field issues: path, expected, received. */
export function toFieldIssues(error: z.ZodError, input: unknown): FieldIssue[] {
  return error.issues.map((issue) => {
    const received = valueAt(input, issue.path);
    // Integers: zod reports "expected number" for 1.5 under .int(); say "integer".
    const expected =
      issue.code === 'invalid_type' && issue.expected === 'number' && typeof received === 'number'
        ? 'an integer'
        : expectedOf(issue);
    return { path: issue.path.map(String).join('.'), expected, received: describeValue(received) };
  });
}

/** Parse with a schema, or throw a ContractValidationError naming every bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ContractValidationError(subject, toFieldIssues(result.error, input));
}
