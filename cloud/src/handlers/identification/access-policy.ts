import { UnidentifiedReason } from '@smartdoor/shared';

/** Days as the seed writes them, in JavaScript's getDay() order. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One allowed interval: on these days, from start to end (minutes since midnight; end < start wraps past midnight). */
export interface HoursRule {
  days: Weekday[];
  startMinute: number;
  endMinute: number;
}

/** A person's badge, as the directory holds it. Never the raw badge id. */
export interface BadgeEntry {
  /** HMAC-SHA256 hex of the badge id, as the door sends it. */
  badgeRef: string;
  personId: string;
  /** Doors (thing names) this badge opens; `*` means every door. */
  doors: string[];
  /** When it may be used; empty means at any time. */
  hours: HoursRule[];
  /** IANA time zone the hours are written in. */
  timezone: string;
}

export type AccessDecision =
  | { allowed: true; personId: string }
  | { allowed: false; reason: UnidentifiedReason; personId?: string };

/**
 * Whether a directory entry lets its holder through this door at this instant. Pure: the
 * same entry, door and time always give the same answer.
 */
export function decideAccess(entry: BadgeEntry | undefined, thingName: string, atMs: number): AccessDecision {
  if (!entry) return { allowed: false, reason: UnidentifiedReason.UnknownBadge };
  if (!entry.doors.includes('*') && !entry.doors.includes(thingName)) {
    return { allowed: false, reason: UnidentifiedReason.NotAllowedAtDoor, personId: entry.personId };
  }
  if (
    entry.hours.length > 0 &&
    !entry.hours.some((rule) => withinRule(rule, localTime(atMs, entry.timezone)))
  ) {
    return { allowed: false, reason: UnidentifiedReason.NotAllowedAtHour, personId: entry.personId };
  }
  return { allowed: true, personId: entry.personId };
}

interface LocalTime {
  day: Weekday;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and minute of the day at an instant, in a time zone. */
export function localTime(atMs: number, timezone: string): LocalTime {
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(atMs)).map((p) => [p.type, p.value]));
  const day = String(parts.weekday).slice(0, 3).toLowerCase() as Weekday;
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

function withinRule(rule: HoursRule, at: LocalTime): boolean {
  if (rule.startMinute <= rule.endMinute) {
    return rule.days.includes(at.day) && at.minute >= rule.startMinute && at.minute < rule.endMinute;
  }
  // Past midnight: `fri 22:00-06:00` is Friday night, so the hours after midnight belong
  // to the day before.
  if (at.minute >= rule.startMinute) return rule.days.includes(at.day);
  return at.minute < rule.endMinute && rule.days.includes(previousDay(at.day));
}

function previousDay(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
}

const HOURS_RE = /^(?:(?<days>[a-z,-]+)\s+)?(?<sh>\d{2}):(?<sm>\d{2})-(?<eh>\d{2}):(?<em>\d{2})$/;

/**
 * Parse one hours rule: `08:00-18:00` (every day), `mon-fri 08:00-18:00`,
 * `sat,sun 10:00-14:00`, `22:00-06:00` (past midnight). Returns the rule or why not.
 */
export function parseHoursRule(text: string): HoursRule | string {
  const m = HOURS_RE.exec(text.trim().toLowerCase());
  if (!m?.groups)
    return `hours ${JSON.stringify(text)}: expected [days ]HH:MM-HH:MM, e.g. "mon-fri 08:00-18:00"`;
  const { days, sh, sm, eh, em } = m.groups as Record<string, string>;
  const start = Number(sh) * 60 + Number(sm);
  const end = Number(eh) * 60 + Number(em);
  if (Number(sh) > 23 || Number(eh) > 24 || Number(sm) > 59 || Number(em) > 59 || end > 1440) {
    return `hours ${JSON.stringify(text)}: times must be 00:00 to 24:00`;
  }
  if (start === end) return `hours ${JSON.stringify(text)}: start and end are the same`;
  const parsedDays = days === undefined ? [...WEEKDAYS] : parseDays(days);
  if (typeof parsedDays === 'string') return `hours ${JSON.stringify(text)}: ${parsedDays}`;
  return { days: parsedDays, startMinute: start, endMinute: end };
}

function parseDays(text: string): Weekday[] | string {
  const out = new Set<Weekday>();
  for (const part of text.split(',')) {
    const [a, b] = part.split('-');
    const from = WEEKDAYS.indexOf(a as Weekday);
    const to = b === undefined ? from : WEEKDAYS.indexOf(b as Weekday);
    if (from < 0 || to < 0)
      return `unknown day in ${JSON.stringify(part)} (use sun, mon, tue, wed, thu, fri, sat)`;
    for (let i = from; ; i = (i + 1) % 7) {
      out.add(WEEKDAYS[i]!);
      if (i === to) break;
    }
  }
  return WEEKDAYS.filter((d) => out.has(d));
}

/** Whether a string names a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
