/** One field that failed validation: where, what was expected, what came. */
export interface FieldIssue {
  /** Dotted path to the field, e.g. `seq` or `mqtt.endpoint`; empty for the whole document. */
  path: string;
  /** What the contract expects there, in words. */
  expected: string;
  /** A short, safe rendering of what was received (never a secret). */
  received: string;
}

/** Root of every error the shared contract raises. */
export class ContractError extends Error {
  override name = 'ContractError';
}

/**
 * A document (event, topic, config) broke the contract. The message lists every issue
 * as `path: expected X, received Y`, so one read tells the user all that is wrong.
 */
export class ContractValidationError extends ContractError {
  override name = 'ContractValidationError';
  constructor(
    /** What was being validated, e.g. `device event` or `agent config`. */
    readonly subject: string,
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid ${subject}: ${issues.map(formatIssue).join('; ')}`, options);
  }
}

export function formatIssue(issue: FieldIssue): string {
  const where = issue.path === '' ? '(document)' : issue.path;
  return `${where}: expected ${issue.expected}, received ${issue.received}`;
}

/** Render a received value for an error message: short, typed, never huge. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (field missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  return typeof value;
}
