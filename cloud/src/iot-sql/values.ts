/**
 * IoT SQL values and the standard conversions (developer guide, Data types, Conversions).
 *
 * Representation: Undefined is `undefined`, Null is `null`, Int and Decimal are JS numbers
 * (doubles), String, Boolean, Array and Object are their JSON counterparts. A payload that
 * is not JSON is `Binary` (a Uint8Array); only `*` can yield it.
 *
 * Int or Decimal: with SQL 2016-03-23 "numeric values that are whole numbers, such as 10.0,
 * are processed as an Int" (Data types), so a number is an Int exactly when it is whole.
 */
export type SqlValue = undefined | null | boolean | number | string | Uint8Array | SqlValue[] | SqlObject;
export interface SqlObject {
  [key: string]: SqlValue;
}

/**
 * Set `key` as an own data property. Plain assignment would run Object.prototype's
 * `__proto__` setter (changing the object's prototype, or polluting Object.prototype when
 * walked into), whereas in IoT Core every key, `__proto__` included, is an ordinary JSON key.
 */
export function setOwn(o: SqlObject, key: string, v: SqlValue): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
  else o[key] = v;
}

/** Copy `from`'s own keys onto `to`, as Object.assign would but without its `__proto__` setter. */
export function copyOwn(to: SqlObject, from: SqlObject): void {
  // Object.assign is native and fast; only an own "__proto__" key needs the slow path.
  if (!Object.hasOwn(from, '__proto__')) {
    Object.assign(to, from);
    return;
  }
  for (const key of Object.keys(from)) setOwn(to, key, from[key]);
}

export function isNumber(v: SqlValue): v is number {
  return typeof v === 'number';
}

export function isObject(v: SqlValue): v is SqlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The strings IoT Core converts to Decimal: `^-?\d+(\.\d+)?((?i)E-?\d+)?$` (Conversions, To Decimal). */
const DECIMAL_STRING = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;

/**
 * To Decimal: Int and Decimal as they are, strings that look like decimals parsed, Null
 * stays Null, everything else (Boolean, Array, Object, Undefined) is Undefined.
 */
export function toDecimal(v: SqlValue): number | null | undefined {
  // Numbers are always finite: literals are checked by the lexer, payloads when parsed.
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (!DECIMAL_STRING.test(v)) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return v === null ? null : undefined;
}

/** To Decimal for arithmetic and functions, where Null is not a number either. */
export function toNumber(v: SqlValue): number | undefined {
  const d = toDecimal(v);
  return d === null ? undefined : d;
}

/**
 * To Int. The guide says a Decimal is "rounded to the nearest Int" (Conversions) but also
 * "rounded down" (cast, bitand, lpad) and a String is "truncated"; its worked examples
 * (`substring("012345", 2.745)` = "2345", `substring(true, 1.2)` = "rue") drop the fraction,
 * so we truncate toward zero.
 */
export function toInt(v: SqlValue): number | undefined {
  const d = toNumber(v);
  return d === undefined ? undefined : Math.trunc(d) + 0;
}

/** To Boolean: Booleans, and the strings "true"/"false" in any case; everything else is Undefined. */
export function toBoolean(v: SqlValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/**
 * To String: numbers in plain or scientific notation, booleans lower-case, arrays and
 * objects as JSON; Null and Undefined have no string form (Undefined).
 */
export function toSqlString(v: SqlValue): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return numberToString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return undefined;
  }
  if (v === null || v instanceof Uint8Array) return undefined;
  return toJson(v);
}

/** A number as IoT Core writes it: Ints in full, Decimals possibly in scientific notation (`1.5E+25`). */
export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  const s = String(n);
  return s.includes('e') ? s.toUpperCase() : s;
}

/** JSON text of a value, leaving out Undefined members and items as IoT Core does (Data types, Undefined). */
export function toJson(v: SqlValue): string {
  // Never Undefined here: callers handle it before serializing.
  return JSON.stringify(v) as string;
}

/** Deep equality of the `=` operator (Operators, =): arrays in order, objects by keys whatever their order. */
export function sqlEquals(a: SqlValue, b: SqlValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sqlEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || a instanceof Uint8Array || b instanceof Uint8Array) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !sqlEquals(a[k], b[k])) return false;
  return true;
}
