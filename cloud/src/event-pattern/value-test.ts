import { inRange, ipToHex, mayBeIp } from './ip.js';
import type { AnythingBut, ValueMatcher } from './model.js';
import { wildcardMatches } from './wildcard.js';

/**
 * One matcher against one leaf value of the event. Used by the single-pattern evaluator and,
 * for the operators that have no index, by the rule matcher. Types are strict, as in
 * EventBridge: a string never equals a number, numeric and cidr only look at numbers and
 * strings respectively.
 */
export function testValue(m: ValueMatcher, v: unknown): boolean {
  switch (m.kind) {
    case 'exact':
      return v === m.value;
    case 'ip':
      return typeof v === 'string' && mayBeIp(v) && ipToHex(v) === m.value;
    case 'number':
      return v === m.value;
    case 'literal':
      return v === m.value;
    case 'prefix':
      return typeof v === 'string' && (m.ignoreCase ? v.toLowerCase() : v).startsWith(m.value);
    case 'suffix':
      return typeof v === 'string' && (m.ignoreCase ? v.toLowerCase() : v).endsWith(m.value);
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === m.value;
    case 'wildcard':
      return typeof v === 'string' && wildcardMatches(m.pieces, v);
    case 'numeric':
      return typeof v === 'number' && inNumericRange(m, v);
    case 'cidr': {
      if (typeof v !== 'string' || !mayBeIp(v)) return false;
      const hex = ipToHex(v);
      return hex !== undefined && inRange(hex, m);
    }
    case 'exists':
      return true;
    case 'anything-but':
      return anythingButAccepts(m, v);
  }
}

export function inNumericRange(
  m: { lo: number; loOpen: boolean; hi: number; hiOpen: boolean },
  v: number,
): boolean {
  return (m.loOpen ? v > m.lo : v >= m.lo) && (m.hiOpen ? v < m.hi : v <= m.hi);
}

/** JSON number text, as event-ruler reads a string it compares to a number. */
const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * anything-but accepts every value except the excluded ones. Observed in event-ruler 2.0.1
 * (see /work/shared/conformance/README.md): every form accepts null, and an excluded number
 * also excludes the string spelling it ({"anything-but": 111} rejects "111"). The string
 * forms (prefix, suffix, equals-ignore-case, wildcard) only exclude strings.
 */
export function anythingButAccepts(m: AnythingBut, v: unknown): boolean {
  if (v === null) return true;
  if (m.op === 'values') {
    if (typeof v === 'string') {
      if (m.strings.includes(v)) return false;
      return !(m.numbers.length > 0 && NUMBER_TEXT.test(v) && m.numbers.includes(Number(v)));
    }
    return typeof v !== 'number' || !m.numbers.includes(v);
  }
  if (typeof v !== 'string') return true;
  switch (m.op) {
    case 'prefix':
      return !m.strings.some((p) => v.startsWith(p));
    case 'suffix':
      return !m.strings.some((s) => v.endsWith(s));
    case 'equals-ignore-case':
      return !m.strings.includes(v.toLowerCase());
    default:
      return !m.pieces!.some((p) => wildcardMatches(p, v));
  }
}
