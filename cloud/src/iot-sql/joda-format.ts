/**
 * Date formatting with Joda-Time patterns, for parse_time(pattern, millis[, zone])
 * (functions reference: "the function supports Joda-Time formats" and time zones).
 * Time-zone rules come from the ICU data built into Node (Intl), not from a file.
 *
 * Supported letters: G C Y y x w e E D M d a K h H k m s S z Z and 'quoted text'.
 * Zone names come from ICU: `z` gives "UTC", "CST", "PST" like Joda for many zones, but
 * ICU writes some as "GMT+1" where Joda writes "CET".
 */

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  /** Offset from UTC in minutes. */
  offset: number;
  zone: string;
  millisUtc: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      f = null;
    }
    if (formatters.size > 512) formatters.clear();
    formatters.set(zone, f);
  }
  return f ?? undefined;
}

export function fieldsAt(millisUtc: number, zone: string): Fields | undefined {
  // UTC, the default zone, needs no time-zone data: Intl's formatToParts costs ~10 µs a call.
  if (zone === 'UTC') {
    const d = new Date(millisUtc);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millis: d.getUTCMilliseconds(),
      offset: 0,
      zone,
      millisUtc,
    };
  }
  const f = formatter(zone);
  if (!f) return undefined;
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(millisUtc))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC') year = 1 - year;
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const millis = ((millisUtc % 1000) + 1000) % 1000;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    millis,
    offset: Math.round((local - millisUtc) / 60000),
    zone: f.resolvedOptions().timeZone,
    millisUtc,
  };
}

function zoneName(f: Fields, long: boolean): string {
  if (f.zone === 'UTC') return long ? 'Coordinated Universal Time' : 'UTC';
  return new Intl.DateTimeFormat('en-US', { timeZone: f.zone, timeZoneName: long ? 'long' : 'short' })
    .formatToParts(new Date(f.millisUtc))
    .find((p) => p.type === 'timeZoneName')!.value;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}${colon ? ':' : ''}${pad(abs % 60, 2)}`;
}

/** ISO day of week, 1 (Monday) to 7 (Sunday), of a civil date. */
function isoDayOfWeek(f: Fields): number {
  const d = new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay();
  return d === 0 ? 7 : d;
}

function dayOfYear(f: Fields): number {
  return Math.round((Date.UTC(f.year, f.month - 1, f.day) - Date.UTC(f.year, 0, 1)) / 86400000) + 1;
}

/** ISO week-based year and week number (Joda's x and w). */
function isoWeek(f: Fields): { weekYear: number; week: number } {
  const thursday = new Date(Date.UTC(f.year, f.month - 1, f.day + 4 - isoDayOfWeek(f)));
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86400000)) + 1;
  return { weekYear, week };
}

function field(letter: string, count: number, f: Fields): string {
  const yearOfEra = f.year > 0 ? f.year : 1 - f.year;
  switch (letter) {
    case 'G':
      return f.year > 0 ? 'AD' : 'BC';
    case 'C':
      return pad(Math.floor(yearOfEra / 100), count);
    case 'Y':
    case 'y':
    case 'x': {
      const y = letter === 'x' ? isoWeek(f).weekYear : letter === 'Y' ? yearOfEra : f.year;
      return count === 2 ? pad(((y % 100) + 100) % 100, 2) : pad(y, count);
    }
    case 'w':
      return pad(isoWeek(f).week, count);
    case 'e':
      return pad(isoDayOfWeek(f), count);
    case 'E': {
      const name = DAYS[isoDayOfWeek(f) - 1]!;
      return count >= 4 ? name : name.slice(0, 3);
    }
    case 'D':
      return pad(dayOfYear(f), count);
    case 'M':
      if (count >= 4) return MONTHS[f.month - 1]!;
      if (count === 3) return MONTHS[f.month - 1]!.slice(0, 3);
      return pad(f.month, count);
    case 'd':
      return pad(f.day, count);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'K':
      return pad(f.hour % 12, count);
    case 'h':
      return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'H':
      return pad(f.hour, count);
    case 'k':
      return pad(f.hour === 0 ? 24 : f.hour, count);
    case 'm':
      return pad(f.minute, count);
    case 's':
      return pad(f.second, count);
    case 'S':
      return pad(f.millis, 3).padEnd(count, '0').slice(0, count);
    case 'z':
      return zoneName(f, count >= 4);
    default: // 'Z'
      return count >= 3 ? f.zone : offsetText(f.offset, count === 2);
  }
}

const LETTERS = /[GCYyxweEDMdaKhHkmsSzZ]/;

/** Quoted text from pattern[start] (a quote): `''` is a quote, inside quotes or out. Returns the index after it. */
function quoted(pattern: string, start: number, emit: (text: string) => void): number {
  if (pattern[start + 1] === "'") {
    emit("'");
    return start + 2;
  }
  let text = '';
  let j = start + 1;
  while (j < pattern.length) {
    if (pattern[j] === "'") {
      if (pattern[j + 1] !== "'") {
        emit(text);
        return j + 1;
      }
      text += "'";
      j += 2;
    } else {
      text += pattern[j];
      j++;
    }
  }
  emit(text);
  return j;
}

/**
 * Format `millisUtc` in `zone` with a Joda-Time pattern. Undefined for an unknown zone or
 * a pattern letter Joda would refuse (any other ASCII letter outside quotes).
 */
export function formatJodaTime(pattern: string, millisUtc: number, zone: string): string | undefined {
  if (!Number.isFinite(millisUtc) || Math.abs(millisUtc) > 8.64e15) return undefined;
  const f = fieldsAt(millisUtc, zone);
  if (!f) return undefined;
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      i = quoted(pattern, i, (text) => {
        out += text;
      });
      continue;
    }
    if (LETTERS.test(c)) {
      let j = i + 1;
      while (pattern[j] === c) j++;
      out += field(c, j - i, f);
      i = j;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return undefined;
    out += c;
    i++;
  }
  return out;
}
