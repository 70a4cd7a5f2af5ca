import { DAYS, fieldsAt, MONTHS } from './joda-format.js';

/**
 * time_to_epoch(timestamp, pattern): parse a date with a JDK 11 DateTimeFormatter pattern
 * and return milliseconds since the epoch (functions reference, time_to_epoch). Missing
 * time fields are 0 and a missing zone is UTC, as the guide's `"dd MMMM yyyy"` example shows.
 *
 * Supported letters: y u (year), M L (month, number or text), d, H, h, k, K, m, s, S
 * (fraction), a (AM/PM), E (day name, checked but unused), z and VV (zone id, `UTC+01:00`,
 * or a common abbreviation), X x Z O (offsets), and 'quoted text'.
 */

type Setter = (p: Parsed, text: string) => boolean;

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  pm?: boolean;
  zone?: string;
  offset?: number;
}

/** Abbreviations JDK's `z` reads, resolved to the region whose rules then apply. */
const ZONE_NAMES: Record<string, string> = {
  UTC: 'UTC',
  GMT: 'UTC',
  Z: 'UTC',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  CET: 'Europe/Paris',
  CEST: 'Europe/Paris',
  BST: 'Europe/London',
  JST: 'Asia/Tokyo',
};

const OFFSET = /^([+-])(\d{1,2})(?::?(\d{2}))?$/;

/** Minutes east of UTC for `+1`, `+01`, `+0100`, `+01:00`, `Z`, with an optional `UTC`/`GMT` prefix. */
function offsetMinutes(text: string): number | undefined {
  const bare = text.replace(/^(?:UTC|GMT|UT)(?=[+-]|$)/, '');
  if (bare === '' || bare === 'Z') return 0;
  const m = OFFSET.exec(bare);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return minutes > 18 * 60 ? undefined : (m[1] === '-' ? -1 : 1) * minutes;
}

function zone(p: Parsed, text: string): boolean {
  const offset = offsetMinutes(text);
  if (offset !== undefined) {
    p.offset = offset;
    return true;
  }
  const region = (Object.hasOwn(ZONE_NAMES, text) ? ZONE_NAMES[text] : undefined) ?? text;
  if (!fieldsAt(0, region)) return false;
  p.zone = region;
  return true;
}

function number(set: (p: Parsed, n: number) => void): Setter {
  return (p, text) => {
    set(p, Number(text));
    return true;
  };
}

const names = (list: readonly string[], short: boolean) => list.map((n) => (short ? n.slice(0, 3) : n));

/** The regular expression and the setter for one run of a pattern letter. */
function field(letter: string, count: number): { re: string; set?: Setter } | undefined {
  const digits = count === 1 ? '\\d{1,2}' : `\\d{${count}}`;
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2)
        return {
          re: '\\d{2}',
          set: number((p, n) => {
            p.year = 2000 + n;
          }),
        };
      return {
        re: count === 1 ? '-?\\d{1,9}' : `-?\\d{${count},9}`,
        set: number((p, n) => {
          p.year = n;
        }),
      };
    case 'M':
    case 'L': {
      if (count < 3)
        return {
          re: digits,
          set: number((p, n) => {
            p.month = n;
          }),
        };
      const list = names(MONTHS, count === 3);
      return {
        re: list.join('|'),
        set: (p, t) => {
          p.month = list.indexOf(t) + 1;
          return true;
        },
      };
    }
    case 'd':
      return {
        re: digits,
        set: number((p, n) => {
          p.day = n;
        }),
      };
    case 'H':
    case 'k':
      return {
        re: digits,
        set: number((p, n) => {
          p.hour = n % 24;
        }),
      };
    case 'h':
    case 'K':
      return {
        re: digits,
        set: number((p, n) => {
          p.hour = n % 12;
        }),
      };
    case 'm':
      return {
        re: digits,
        set: number((p, n) => {
          p.minute = n;
        }),
      };
    case 's':
      return {
        re: digits,
        set: number((p, n) => {
          p.second = n;
        }),
      };
    case 'S':
      return {
        re: `\\d{${count}}`,
        set: (p, t) => {
          p.millis = Math.trunc(Number(`0.${t}`) * 1000);
          return true;
        },
      };
    case 'a':
      return {
        re: 'AM|PM|am|pm',
        set: (p, t) => {
          p.pm = t.toUpperCase() === 'PM';
          return true;
        },
      };
    case 'E':
      return { re: names(DAYS, count < 4).join('|') };
    case 'z':
    case 'V':
      return { re: '[A-Za-z][A-Za-z0-9_/+:-]*', set: zone };
    case 'X':
    case 'x':
    case 'Z':
    case 'O':
      return { re: '(?:GMT)?(?:Z|[+-]\\d{1,2}(?::?\\d{2})?)', set: zone };
    default:
      return undefined;
  }
}

interface CompiledPattern {
  re: RegExp;
  setters: (Setter | undefined)[];
}

const patterns = new Map<string, CompiledPattern | null>();

function compilePattern(pattern: string): CompiledPattern | undefined {
  let re = '';
  const setters: (Setter | undefined)[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) return undefined;
      re += escapeRegex(close === i + 1 ? "'" : pattern.slice(i + 1, close));
      i = close + 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      let j = i + 1;
      while (pattern[j] === c) j++;
      const f = field(c, j - i);
      if (!f) return undefined;
      re += `(${f.re})`;
      setters.push(f.set);
      i = j;
    } else {
      re += escapeRegex(c);
      i++;
    }
  }
  return { re: new RegExp(`^${re}$`), setters };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Milliseconds since the epoch of `text` read with `pattern`, or undefined when it does not fit. */
export function timeToEpoch(text: string, pattern: string): number | undefined {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) {
    compiled = compilePattern(pattern) ?? null;
    if (patterns.size >= 256) patterns.clear();
    patterns.set(pattern, compiled);
  }
  if (compiled === null) return undefined;
  const match = compiled.re.exec(text);
  if (!match) return undefined;
  const p: Parsed = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 0 };
  for (let k = 0; k < compiled.setters.length; k++) {
    const set = compiled.setters[k];
    if (set && !set(p, match[k + 1]!)) return undefined;
  }
  if (p.pm) p.hour += 12;
  if (
    p.month < 1 ||
    p.month > 12 ||
    p.day < 1 ||
    p.day > 31 ||
    p.hour > 23 ||
    p.minute > 59 ||
    p.second > 59
  ) {
    return undefined;
  }
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millis);
  const civil = new Date(local);
  // Date.UTC rolls 31 February over into March: such a date does not exist.
  if (civil.getUTCDate() !== p.day || civil.getUTCMonth() !== p.month - 1) return undefined;
  if (p.offset !== undefined) return local - p.offset * 60000;
  if (p.zone === undefined) return local;
  // The offset at the local time: guess with the offset at `local`, then correct once (DST edges).
  const first = local - fieldsAt(local, p.zone)!.offset * 60000;
  return local - fieldsAt(first, p.zone)!.offset * 60000;
}
