import type { FunctionTable } from './function-def.js';
import { BINARY_OPERATORS, decimalResult } from './operators.js';
import { type SqlValue, toInt, toNumber } from './values.js';

/**
 * Math and bit functions (developer guide, Functions). Arguments go through the standard
 * conversion to Decimal (strings like "-5.123" count); anything else gives Undefined.
 */

/** A function of one Decimal computed in double precision; NaN and infinities ("imaginary results") are Undefined. */
function double(f: (x: number) => number) {
  return {
    min: 1,
    max: 1,
    call: ([a]: SqlValue[]) => {
      const x = toNumber(a);
      if (x === undefined) return undefined;
      const r = f(x);
      return Number.isFinite(r) ? r + 0 : undefined;
    },
  };
}

/** A function of one number that keeps Ints as Ints (abs, ceil, floor, round, sign). */
function integral(f: (x: number) => number) {
  return {
    min: 1,
    max: 1,
    call: ([a]: SqlValue[]) => {
      const x = toNumber(a);
      return x === undefined ? undefined : f(x) + 0;
    },
  };
}

/** bitand/bitor/bitxor on arbitrary-size Ints; the arguments are converted to Int first. */
function bitwise(f: (x: bigint, y: bigint) => bigint) {
  return {
    min: 2,
    max: 2,
    call: ([a, b]: SqlValue[]) => {
      const x = toInt(a);
      const y = toInt(b);
      if (x === undefined || y === undefined) return undefined;
      const r = Number(f(BigInt(x), BigInt(y)));
      // Bits past the double range round to Infinity, which is no value.
      return Number.isFinite(r) ? r : undefined;
    },
  };
}

/**
 * bitnot: the guide's example is `bitnot(13)` = 2, the complement of 13's own bits (1101
 * to 0010), not the two's complement (-14). We follow the example for non-negative Ints.
 */
function bitnot(x: number): number {
  if (x < 0) return -x - 1;
  const big = BigInt(x);
  const mask = (1n << BigInt(Math.max(1, big.toString(2).length))) - 1n;
  return Number(big ^ mask);
}

/** round: half away from zero; the table says "rounded down" but the examples give round(1.5) = 2, round(-1.5) = -2. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** trunc(x, n): drop all but n (0..34) decimal places; trailing zeros vanish with the number type. */
function trunc([a, b]: SqlValue[]): SqlValue {
  const x = toNumber(a);
  const places = toInt(b);
  if (x === undefined || places === undefined) return undefined;
  if (Number.isInteger(x)) return x;
  const n = Math.min(34, Math.max(0, places));
  if (n > 15) return x;
  const scale = 10 ** n;
  // Round away binary noise first (0.29 * 100 is 28.999999999999996 in doubles).
  const scaled = Number((x * scale).toPrecision(15));
  return decimalResult(Math.trunc(scaled) / scale);
}

export const MATH_FUNCTIONS: FunctionTable = {
  abs: integral(Math.abs),
  acos: double(Math.acos),
  asin: double(Math.asin),
  atan: double(Math.atan),
  atan2: {
    min: 2,
    max: 2,
    call: ([a, b]) => {
      const y = toNumber(a);
      const x = toNumber(b);
      return y === undefined || x === undefined ? undefined : Math.atan2(y, x);
    },
  },
  ceil: integral(Math.ceil),
  cos: double(Math.cos),
  cosh: double(Math.cosh),
  exp: double(Math.exp),
  floor: integral(Math.floor),
  ln: double(Math.log),
  log: double(Math.log10),
  mod: { min: 2, max: 2, call: ([a, b]) => BINARY_OPERATORS['%'](a, b) },
  remainder: { min: 2, max: 2, call: ([a, b]) => BINARY_OPERATORS['%'](a, b) },
  nanvl: {
    min: 2,
    max: 2,
    // Undefined, Null and NaN give the second argument (our numbers are never NaN).
    call: ([a, b]) => (a === undefined || a === null ? b : a),
  },
  power: {
    min: 2,
    max: 2,
    call: ([a, b]) => {
      const x = toNumber(a);
      const y = toNumber(b);
      if (x === undefined || y === undefined) return undefined;
      const r = x ** y;
      return Number.isFinite(r) ? r : undefined;
    },
  },
  rand: { min: 0, max: 0, call: (_args, env) => (env.ctx.random ?? Math.random)() },
  round: integral(roundHalfAway),
  sign: integral(Math.sign),
  sin: double(Math.sin),
  sinh: double(Math.sinh),
  sqrt: double(Math.sqrt),
  tan: double(Math.tan),
  tanh: double(Math.tanh),
  trunc: { min: 2, max: 2, call: trunc },
  bitand: bitwise((x, y) => x & y),
  bitor: bitwise((x, y) => x | y),
  bitxor: bitwise((x, y) => x ^ y),
  bitnot: {
    min: 1,
    max: 1,
    call: ([a]) => {
      const x = toInt(a);
      return x === undefined ? undefined : bitnot(x);
    },
  },
};
