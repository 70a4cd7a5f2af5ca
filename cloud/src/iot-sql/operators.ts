import type { BinaryOp } from './ast.js';
import { isNumber, type SqlValue, sqlEquals, toBoolean, toNumber, toSqlString } from './values.js';

/**
 * The operators, row by row from the developer guide's tables (Operators). Anything a
 * table does not cover is Undefined.
 */
export type BinaryFn = (a: SqlValue, b: SqlValue) => SqlValue;

/**
 * Decimal arithmetic in IoT Core is exact to 34 digits; ours is double precision. Rounding
 * a Decimal result to 15 significant digits gives the exact decimal answer for everyday
 * operands (0.1 + 0.2 = 0.3, as IoT Core says) where raw doubles would not.
 */
export function decimalResult(x: number, digits = 15): number | undefined {
  if (!Number.isFinite(x)) return undefined;
  if (Number.isInteger(x)) return x + 0;
  return Number(x.toPrecision(digits)) + 0;
}

/** AND / OR / NOT take Booleans or the strings "true"/"false" (case-insensitive). */
function logical(a: SqlValue, b: SqlValue, and: boolean): SqlValue {
  const x = toBoolean(a);
  const y = toBoolean(b);
  if (x === undefined || y === undefined) return undefined;
  return and ? x && y : x || y;
}

/** =: same-typed values compared deeply; Int and Decimal compare as numbers; other mixes are false. */
function equals(a: SqlValue, b: SqlValue): SqlValue {
  if (a === undefined || b === undefined) return undefined;
  return sqlEquals(a, b);
}

/** <, <=, >, >=: both sides converted to Decimal (strings too), else Undefined. */
function ordering(test: (x: number, y: number) => boolean): BinaryFn {
  return (a, b) => {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return undefined;
    return test(x, y);
  };
}

/** +: a String on either side concatenates (the other side converted to String); else numbers add. */
function plus(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === 'string' || typeof b === 'string') {
    const x = toSqlString(a);
    const y = toSqlString(b);
    return x === undefined || y === undefined ? undefined : x + y;
  }
  if (isNumber(a) && isNumber(b)) return decimalResult(a + b);
  return undefined;
}

/**
 * -, *, /, %: Int with Int gives an Int (division truncates, as the SELECT example
 * `(50 - 32) * 5 / 9` = 10 shows); with a Decimal, or strings that convert, a Decimal.
 */
function arithmetic(op: '-' | '*' | '/' | '%'): BinaryFn {
  return (a, b) => {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return undefined;
    const ints = Number.isInteger(x) && Number.isInteger(y) && typeof a === 'number' && typeof b === 'number';
    switch (op) {
      case '-':
        return decimalResult(x - y);
      case '*':
        return decimalResult(x * y);
      case '/':
        // Division by zero raises in IoT Core's decimal arithmetic; the value is Undefined here.
        if (y === 0) return undefined;
        return ints ? decimalResult(Math.trunc(x / y)) : decimalResult(x / y, 16);
      default:
        if (y === 0) return undefined;
        return decimalResult(x % y);
    }
  };
}

/** IN: true when the right-hand Array holds an item equal (=) to the left operand. */
function inArray(a: SqlValue, b: SqlValue): SqlValue {
  if (a === undefined || !Array.isArray(b)) return undefined;
  for (const item of b) if (sqlEquals(a, item)) return true;
  return false;
}

/** CONTAINS: an Array holding the item, or a String holding the substring (both converted to String). */
function contains(a: SqlValue, b: SqlValue): SqlValue {
  if (a === undefined || b === undefined) return undefined;
  if (Array.isArray(a)) return a.some((item) => sqlEquals(item, b));
  if (typeof a !== 'string') return undefined;
  const needle = toSqlString(b);
  return needle === undefined ? undefined : a.includes(needle);
}

export const BINARY_OPERATORS: Record<BinaryOp, BinaryFn> = {
  and: (a, b) => logical(a, b, true),
  or: (a, b) => logical(a, b, false),
  '=': equals,
  '<>': (a, b) => {
    const eq = equals(a, b);
    return eq === undefined ? undefined : !eq;
  },
  '<': ordering((x, y) => x < y),
  '<=': ordering((x, y) => x <= y),
  '>': ordering((x, y) => x > y),
  '>=': ordering((x, y) => x >= y),
  '+': plus,
  '-': arithmetic('-'),
  '*': arithmetic('*'),
  '/': arithmetic('/'),
  '%': arithmetic('%'),
  in: inArray,
  contains,
};

/** NOT: a Boolean or "true"/"false" string, negated; else Undefined. */
export function not(v: SqlValue): SqlValue {
  const b = toBoolean(v);
  return b === undefined ? undefined : !b;
}

/** Unary minus: numbers, and strings that convert to Decimal. */
export function negate(v: SqlValue): SqlValue {
  const n = toNumber(v);
  return n === undefined ? undefined : -n + 0;
}
