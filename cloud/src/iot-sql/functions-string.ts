import { setFlagsFromString } from 'node:v8';
import type { FunctionTable } from './function-def.js';
import { type SqlValue, toInt, toSqlString } from './values.js';

/**
 * String functions (developer guide, Functions). Non-string arguments go through the
 * standard conversion to String; Null and Undefined have none, so the result is Undefined.
 */

function stringFn(f: (s: string) => SqlValue) {
  return {
    min: 1,
    max: 1,
    call: ([a]: SqlValue[]) => {
      const s = toSqlString(a);
      return s === undefined ? undefined : f(s);
    },
  };
}

function twoStrings(f: (a: string, b: string) => SqlValue) {
  return {
    min: 2,
    max: 2,
    call: ([a, b]: SqlValue[]) => {
      const x = toSqlString(a);
      const y = toSqlString(b);
      return x === undefined || y === undefined ? undefined : f(x, y);
    },
  };
}

/** lpad/rpad: the count is clamped to 0..1000 (functions reference, lpad). */
function pad(left: boolean) {
  return {
    min: 2,
    max: 2,
    call: ([a, b]: SqlValue[]) => {
      const s = toSqlString(a);
      const n = toInt(b);
      if (s === undefined || n === undefined) return undefined;
      const spaces = ' '.repeat(Math.min(1000, Math.max(0, n)));
      return left ? spaces + s : s + spaces;
    },
  };
}

/** Java's String.trim: every character up to U+0020 counts as white space. */
const LEADING_WS = /^[\u0000-\u0020]+/;
const TRAILING_WS = /[\u0000-\u0020]+$/;

/**
 * Patterns come from rule authors and payloads, and a pattern like `^(a|a)*$` backtracks
 * for hours on a 40-character string, stalling the whole event loop (broker included).
 * This V8 flag makes such a regex switch to V8's linear-time engine once it backtracks too
 * much; it applies to regexes compiled after it is set, and to the whole process (every
 * regex in it gains the fallback, with the same results). Patterns the linear engine
 * cannot run (backreferences, lookarounds) still backtrack.
 */
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/**
 * Regular expressions are compiled once per pattern (bounded cache). IoT Core uses Java's
 * syntax; the common subset (classes, groups, quantifiers, anchors) reads the same in
 * JavaScript. An invalid pattern gives Undefined (functions reference, regexp_matches).
 */
const regexCache = new Map<string, RegExp | null>();
const REGEX_CACHE_LIMIT = 256;

function regex(pattern: string): RegExp | undefined {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'g');
    } catch {
      re = null;
    }
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(pattern, re);
  }
  if (re === null) return undefined;
  re.lastIndex = 0;
  return re;
}

/** A parsed replacement string: literal text, a group number, or a group name. */
type ReplacementPart = string | number | { name: string };

/** Group count and names of a cached regex, found once: an always-matching alternative reveals them. */
const groupInfo = new WeakMap<RegExp, { count: number; names: readonly string[] }>();

function groupsOf(re: RegExp): { count: number; names: readonly string[] } {
  let info = groupInfo.get(re);
  if (info === undefined) {
    const probe = new RegExp(`${re.source}|`).exec('')!;
    info = { count: probe.length - 1, names: Object.keys(probe.groups ?? {}) };
    groupInfo.set(re, info);
  }
  return info;
}

const GROUP_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The replacement string as Java's Matcher.replaceAll reads it (IoT Core runs on Java):
 * `\x` is the character x, `$n` group n (`$0` the match; further digits are taken while
 * they still name a group), `${name}` a named group. Anything else after `$`, a trailing
 * `\` or `$`, or a group the pattern lacks is invalid (undefined here). JavaScript's `$&`,
 * `` $` ``, `$'` and `$$` are not references in Java.
 */
function parseReplacement(by: string, re: RegExp): ReplacementPart[] | undefined {
  const groups = groupsOf(re);
  const parts: ReplacementPart[] = [];
  let text = '';
  let i = 0;
  while (i < by.length) {
    const c = by[i]!;
    if (c !== '\\' && c !== '$') {
      text += c;
      i++;
      continue;
    }
    if (i + 1 >= by.length) return undefined;
    if (c === '\\') {
      text += by[i + 1];
      i += 2;
      continue;
    }
    let ref: ReplacementPart;
    if (by[i + 1] === '{') {
      const close = by.indexOf('}', i + 2);
      const name = close < 0 ? '' : by.slice(i + 2, close);
      if (!GROUP_NAME.test(name) || !groups.names.includes(name)) return undefined;
      ref = { name };
      i = close + 1;
    } else {
      let n = by.charCodeAt(i + 1) - 48;
      if (!(n >= 0 && n <= 9) || n > groups.count) return undefined;
      i += 2;
      while (i < by.length) {
        const d = by.charCodeAt(i) - 48;
        if (!(d >= 0 && d <= 9) || n * 10 + d > groups.count) break;
        n = n * 10 + d;
        i++;
      }
      ref = n;
    }
    if (text !== '') parts.push(text);
    text = '';
    parts.push(ref);
  }
  if (text !== '') parts.push(text);
  return parts;
}

/** regexp_replace: every match replaced; an invalid replacement string gives Undefined when something matches, as in Java. */
function regexpReplace(s: string, re: RegExp, by: string): SqlValue {
  // No `$` or `\`: literal text, which JavaScript's own replace treats the same way.
  if (!by.includes('$') && !by.includes('\\')) return s.replace(re, by);
  const parts = parseReplacement(by, re);
  if (parts === undefined) return re.test(s) ? undefined : s;
  return s.replace(re, (...args: unknown[]) => {
    // args: match, group 1..n, offset, input[, named groups]
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (typeof part === 'number') out += (args[part] as string | undefined) ?? '';
      else out += (args[args.length - 1] as Record<string, string | undefined>)[part.name] ?? '';
    }
    return out;
  });
}

/** substring(s, start[, end]): indexes clamped to the string, start >= end gives "" (functions reference). */
function substring(args: SqlValue[]): SqlValue {
  const [a, b, c] = args;
  const s = toSqlString(a);
  const start = toInt(b);
  if (s === undefined || start === undefined) return undefined;
  const clamp = (i: number) => Math.min(s.length, Math.max(0, i));
  if (args.length < 3) return s.slice(clamp(start));
  const end = toInt(c);
  if (end === undefined) return undefined;
  const from = clamp(start);
  const to = clamp(end);
  return from >= to ? '' : s.slice(from, to);
}

/**
 * concat: the table says one argument "is returned unmodified", but the example is
 * concat(1) = "1"; we follow the example. With an Array among the arguments the result is
 * one array (arrays spread, other values appended); otherwise the String forms joined.
 */
function concat(args: SqlValue[]): SqlValue {
  if (args.length === 0) return undefined;
  if (args.some(Array.isArray)) {
    const out: SqlValue[] = [];
    for (const a of args) {
      if (Array.isArray(a)) out.push(...a);
      else if (a !== undefined && !(a instanceof Uint8Array)) out.push(a);
    }
    return out;
  }
  let s = '';
  for (const a of args) {
    const part = toSqlString(a);
    if (part === undefined) return undefined;
    s += part;
  }
  return s;
}

export const STRING_FUNCTIONS: FunctionTable = {
  chr: {
    min: 1,
    max: 1,
    call: ([a]) => {
      const n = typeof a === 'boolean' ? undefined : toInt(a);
      return n === undefined || n < 0 || n > 127 ? undefined : String.fromCharCode(n);
    },
  },
  concat: { min: 0, max: Number.POSITIVE_INFINITY, call: concat },
  endswith: twoStrings((a, b) => a.endsWith(b)),
  startswith: twoStrings((a, b) => a.startsWith(b)),
  indexof: twoStrings((a, b) => a.indexOf(b)),
  length: stringFn((s) => s.length),
  lower: stringFn((s) => s.toLowerCase()),
  upper: stringFn((s) => s.toUpperCase()),
  lpad: pad(true),
  rpad: pad(false),
  ltrim: stringFn((s) => s.replace(LEADING_WS, '')),
  rtrim: stringFn((s) => s.replace(TRAILING_WS, '')),
  trim: stringFn((s) => s.replace(LEADING_WS, '').replace(TRAILING_WS, '')),
  numbytes: stringFn((s) => Buffer.byteLength(s, 'utf8')),
  replace: {
    min: 3,
    max: 3,
    call: ([a, b, c]) => {
      const s = toSqlString(a);
      const find = toSqlString(b);
      const by = toSqlString(c);
      if (s === undefined || find === undefined || by === undefined) return undefined;
      // Literal, as Java's String.replace: a function keeps JavaScript from expanding `$&`, `$$`, ...
      return by.includes('$') ? s.replaceAll(find, () => by) : s.replaceAll(find, by);
    },
  },
  regexp_matches: twoStrings((s, p) => {
    const re = regex(p);
    return re === undefined ? undefined : re.test(s);
  }),
  regexp_replace: {
    min: 3,
    max: 3,
    call: ([a, b, c]) => {
      const s = toSqlString(a);
      const p = toSqlString(b);
      const by = toSqlString(c);
      if (s === undefined || p === undefined || by === undefined) return undefined;
      const re = regex(p);
      return re === undefined ? undefined : regexpReplace(s, re, by);
    },
  },
  // No match gives the empty string, as Java's Matcher leaves nothing to return.
  regexp_substr: twoStrings((s, p) => {
    const re = regex(p);
    if (re === undefined) return undefined;
    return re.exec(s)?.[0] ?? '';
  }),
  substring: { min: 2, max: 3, call: substring },
};
