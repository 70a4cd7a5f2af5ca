import { InvalidEventPatternError } from './errors.js';
import { ipToHex, parseCidr } from './ip.js';
import type { Alternative, AnythingBut, FieldTest, ValueMatcher } from './model.js';
import { parseWildcard } from './wildcard.js';

/**
 * Pattern checking: walks the pattern once, rejecting what EventBridge rejects with the reason
 * event-ruler's JsonRuleCompiler gives, and returns the alternatives ($or expanded).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */

/** Limits on what a pattern may be. */
export interface PatternLimits {
  /**
   * Longest pattern text, in characters (EventBridge quota "Event pattern size").
   * @default 2048
   */
  maxLength?: number;
  /**
   * Most alternatives a pattern may expand to through nested `$or` (ours: bounds compile
   * and match cost the way event-ruler's MachineComplexityEvaluator does for wildcards).
   * @default 1000
   */
  maxAlternatives?: number;
}

export const DEFAULT_LIMITS: Required<PatternLimits> = { maxLength: 2048, maxAlternatives: 1000 };

/** Numbers in numeric matching: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-numeric-matching */
export const NUMERIC_LIMIT = 5e9;

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'wildcard',
]);

const fail = (reason: string, path: string): never => {
  throw new InvalidEventPatternError(reason, path);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Check `pattern` and return its alternatives; throws InvalidEventPatternError. */
export function parseEventPattern(pattern: string | object, limits: PatternLimits = {}): Alternative[] {
  const max = { ...DEFAULT_LIMITS, ...limits };
  let value: unknown = pattern;
  let text: string | undefined;
  try {
    text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  } catch (e) {
    // BigInt values, cycles: what could not be sent to EventBridge as JSON at all
    fail(`Filter is not valid JSON: ${(e as Error).message}`, '');
  }
  if (text === undefined) fail('Filter is not an object', '');
  if (text!.length > max.maxLength) {
    fail(`Event pattern is ${text!.length} characters long; the limit is ${max.maxLength}`, '');
  }
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (e) {
      fail(`Filter is not valid JSON: ${(e as Error).message}`, '');
    }
  }
  if (!isObject(value)) fail('Filter is not an object', '');
  const alternatives = parseObject(value as Record<string, unknown>, '', [[]], false, max.maxAlternatives);
  return alternatives;
}

function parseObject(
  obj: Record<string, unknown>,
  prefix: string,
  alternatives: Alternative[],
  insideOr: boolean,
  maxAlternatives: number,
): Alternative[] {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail('Empty objects are not allowed', prefix);
  let current = alternatives;
  for (const key of keys) {
    const value = obj[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (key === '$or') {
      current = parseOr(value, prefix, current, maxAlternatives);
      continue;
    }
    if (insideOr && OPERATORS.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, path);
    }
    if (isObject(value)) {
      current = parseObject(value, path, current, insideOr, maxAlternatives);
    } else if (Array.isArray(value)) {
      const test = parseValues(value, path);
      current = current.map((alt) => [...alt, test]);
    } else {
      fail(`"${key}" must be an object or an array`, path);
    }
  }
  return current;
}

function parseOr(
  value: unknown,
  prefix: string,
  current: Alternative[],
  maxAlternatives: number,
): Alternative[] {
  const path = prefix === '' ? '$or' : `${prefix}.$or`;
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.', path);
  const branches = value as unknown[];
  if (branches.length < 2) fail('There must have at least 2 Objects in $or relationship.', path);
  const out: Alternative[] = [];
  for (const branch of branches) {
    if (!isObject(branch)) fail('Only JSON object is allowed in array of $or relationship.', path);
    out.push(...parseObject(branch as Record<string, unknown>, prefix, current, true, maxAlternatives));
    if (out.length > maxAlternatives) {
      fail(`Event pattern is too complex: $or expands to more than ${maxAlternatives} combinations`, path);
    }
  }
  return out;
}

function parseValues(values: unknown[], path: string): FieldTest {
  if (values.length === 0) fail('Empty arrays are not allowed', path);
  const test: FieldTest = { path, matchers: [], absent: false };
  for (const v of values) {
    if (typeof v === 'string') {
      const ip = ipToHex(v);
      test.matchers.push(ip ? { kind: 'ip', value: ip } : { kind: 'exact', value: v });
    } else if (typeof v === 'number') {
      test.matchers.push({ kind: 'number', value: v });
    } else if (typeof v === 'boolean' || v === null) {
      test.matchers.push({ kind: 'literal', value: v });
    } else if (isObject(v)) {
      const m = parseExpression(v, path);
      if (m === 'absent') test.absent = true;
      else test.matchers.push(m);
    } else {
      fail('Match value must be String, number, true, false, or null', path);
    }
  }
  return test;
}

function onlyKey(obj: Record<string, unknown>, path: string): [string, unknown] {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail('Match expression name not found', path);
  if (keys.length > 1) fail('Only one key allowed in match expression', path);
  return [keys[0]!, obj[keys[0]!]];
}

function parseExpression(obj: Record<string, unknown>, path: string): ValueMatcher | 'absent' {
  const [op, arg] = onlyKey(obj, path);
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof arg === 'string') return { kind: op, value: arg, ignoreCase: false };
      if (isObject(arg)) {
        const [inner, text] = onlyKey(arg, path);
        if (inner !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${inner}`, path);
        if (typeof text !== 'string') fail(`equals-ignore-case match pattern must be a string`, path);
        return { kind: op, value: (text as string).toLowerCase(), ignoreCase: true };
      }
      return fail(`${op} match pattern must be a string`, path);
    }
    case 'equals-ignore-case':
      if (typeof arg !== 'string') fail('equals-ignore-case match pattern must be a string', path);
      return { kind: 'equals-ignore-case', value: (arg as string).toLowerCase() };
    case 'wildcard': {
      if (typeof arg !== 'string') fail('wildcard match pattern must be a string', path);
      const pieces = parseWildcard(arg as string);
      if (typeof pieces === 'string') return fail(pieces, path);
      return { kind: 'wildcard', value: arg as string, pieces };
    }
    case 'exists':
      if (arg === true) return { kind: 'exists' };
      if (arg === false) return 'absent';
      return fail('exists match pattern must be either true or false.', path);
    case 'cidr': {
      if (typeof arg !== 'string') fail('cidr match pattern must be a string', path);
      const range = parseCidr(arg as string);
      if (typeof range === 'string') return fail(range, path);
      return { kind: 'cidr', value: arg as string, ...range };
    }
    case 'numeric':
      return parseNumeric(arg, path);
    case 'anything-but':
      return parseAnythingBut(arg, path);
    default:
      return fail(`Unrecognized match type ${op}`, path);
  }
}

function numericOperand(v: unknown, op: string, path: string): number {
  if (typeof v !== 'number') fail(`Value of ${op} must be numeric`, path);
  const n = v as number;
  if (n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) {
    fail(`Value of ${op} must be between -5.0E9 and 5.0E9 inclusive: ${n}`, path);
  }
  return n;
}

function parseNumeric(arg: unknown, path: string): ValueMatcher {
  if (!Array.isArray(arg)) return fail('Value of numeric must be an array.', path);
  if (arg.length === 0) fail('Empty arrays are not allowed', path);
  const [op, a, op2, b, ...rest] = arg as unknown[];
  if (typeof op !== 'string') fail(`Invalid member in numeric match: ${JSON.stringify(op)}`, path);
  if (rest.length > 0) fail('Too many elements in numeric expression', path);
  const n = numericOperand(a, op as string, path);
  switch (op) {
    case '=':
      if (op2 !== undefined) fail('Too many elements in numeric expression', path);
      return { kind: 'numeric', lo: n, loOpen: false, hi: n, hiOpen: false };
    case '<':
    case '<=':
      if (op2 !== undefined) fail('Too many elements in numeric expression', path);
      return { kind: 'numeric', lo: Number.NEGATIVE_INFINITY, loOpen: true, hi: n, hiOpen: op === '<' };
    case '>':
    case '>=': {
      if (op2 === undefined) {
        return { kind: 'numeric', lo: n, loOpen: op === '>', hi: Number.POSITIVE_INFINITY, hiOpen: true };
      }
      if (typeof op2 !== 'string') fail(`Bad value in numeric range: ${JSON.stringify(op2)}`, path);
      if (op2 !== '<' && op2 !== '<=') fail(`Bad numeric range operator: ${op2}`, path);
      const top = numericOperand(b, op2 as string, path);
      if (top <= n) fail('Bottom must be less than top', path);
      return { kind: 'numeric', lo: n, loOpen: op === '>', hi: top, hiOpen: op2 === '<' };
    }
    default:
      return fail(`Unrecognized numeric range operator: ${op}`, path);
  }
}

function stringList(arg: unknown, what: string, path: string): string[] {
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length === 0) fail('Empty arrays are not allowed', path);
  for (const s of list)
    if (typeof s !== 'string') fail(`${what} must be a string or a list of strings`, path);
  return list as string[];
}

function parseAnythingBut(arg: unknown, path: string): AnythingBut {
  if (isObject(arg)) {
    const [op, inner] = onlyKey(arg, path);
    if (op === 'prefix' || op === 'suffix') {
      const values = stringList(inner, `anything-but/${op} match pattern`, path);
      if (values.some((s) => s === '')) fail('Null prefix/suffix not allowed', path);
      return { kind: 'anything-but', op, strings: values, numbers: [] };
    }
    if (op === 'equals-ignore-case') {
      const values = stringList(inner, 'anything-but/equals-ignore-case match pattern', path);
      return { kind: 'anything-but', op, strings: values.map((s) => s.toLowerCase()), numbers: [] };
    }
    if (op === 'wildcard') {
      const values = stringList(inner, 'anything-but/wildcard match pattern', path);
      const pieces = values.map((w) => parseWildcard(w));
      for (const p of pieces) if (typeof p === 'string') fail(p, path);
      return { kind: 'anything-but', op, strings: values, numbers: [], pieces: pieces as string[][] };
    }
    return fail(`Unsupported anything-but pattern: ${op}`, path);
  }
  const list = Array.isArray(arg) ? arg : [arg];
  const strings = list.filter((v): v is string => typeof v === 'string');
  const numbers = list.filter((v): v is number => typeof v === 'number');
  if (!Array.isArray(arg) && strings.length + numbers.length === 0) {
    fail('Value of anything-but must be an array or single string/number value.', path);
  }
  if (strings.length + numbers.length !== list.length) {
    fail('Inside anything but list, start|null|boolean is not supported.', path);
  }
  if (strings.length > 0 === numbers.length > 0) {
    fail(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
      path,
    );
  }
  return { kind: 'anything-but', op: 'values', strings, numbers };
}
