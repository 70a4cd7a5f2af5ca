import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { badgeSecretFromEnv, decodeBadgeSecret } from '@smartdoor/shared';
import { type BadgeEntry, type HoursRule, isTimeZone, parseHoursRule } from './access-policy.js';
import { BadgeSeedError } from './errors.js';

/**
 * The badge directory seed (`--badges FILE`), JSON or CSV; see cloud/src/handlers/README.md.
 * Each badge gives either `badgeRef` (the HMAC the door sends) or `badgeId` (the raw id:
 * the reference is computed here with the doors' badge secret, so operators need not).
 */
export interface BadgeSeedOptions {
  /** Names the file in error messages. */
  source: string;
  format: 'json' | 'csv';
  /**
   * The doors' badge secret, written as the agent takes it (`hex:...`, `base64:...` or
   * UTF-8 text). A JSON seed's own `badgeSecret` is used when this is not given.
   */
  secret?: string;
}

const BADGE_REF_RE = /^[0-9a-f]{64}$/;

/** The badge reference a door sends for a badge id: HMAC-SHA256(secret, id), hex. */
export function badgeRefOf(badgeId: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(badgeId, 'utf8').digest('hex');
}

/** An RDM6300 card id: 10 hex digits, which the reader hands the agent in upper case. */
const RDM6300_ID_RE = /^[0-9a-f]{10}$/i;

/**
 * The id as the door's reader gives it: an RDM6300 id in upper case (badge-frames.ts),
 * any other id (line readers) as written, since the door hashes what the reader printed.
 */
function readerBadgeId(badgeId: string): string {
  return RDM6300_ID_RE.test(badgeId) ? badgeId.toUpperCase() : badgeId;
}

interface RawBadge {
  badgeId?: unknown;
  badgeRef?: unknown;
  personId?: unknown;
  doors?: unknown;
  hours?: unknown;
  timezone?: unknown;
}

/** Parse a seed; throws one BadgeSeedError naming every bad entry and field. */
export function parseBadgeSeed(text: string, options: BadgeSeedOptions): BadgeEntry[] {
  let raws: Array<{ where: string; raw: RawBadge }>;
  let secretText = options.secret;
  if (options.format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      throw new BadgeSeedError(options.source, [`not valid JSON (${(cause as Error).message})`], { cause });
    }
    const list = Array.isArray(doc) ? doc : (doc as { badges?: unknown } | null)?.badges;
    if (!Array.isArray(list)) {
      throw new BadgeSeedError(options.source, ['expected {"badges": [...]} or an array of badges']);
    }
    const docSecret = Array.isArray(doc) ? undefined : (doc as { badgeSecret?: unknown }).badgeSecret;
    if (secretText === undefined && typeof docSecret === 'string') secretText = docSecret;
    raws = list.map((raw, i) => ({ where: `badges[${i}]`, raw: (raw ?? {}) as RawBadge }));
  } else {
    raws = parseCsv(text, options.source).map(({ line, row }) => ({
      where: `line ${line}`,
      raw: {
        badgeId: row.badgeId || undefined,
        badgeRef: row.badgeRef || undefined,
        personId: row.personId,
        doors: row.doors ? row.doors.split('|').map((d) => d.trim()) : undefined,
        hours: row.hours ? row.hours.split('|') : undefined,
        timezone: row.timezone || undefined,
      },
    }));
  }
  const decoded = secretText === undefined ? undefined : decodeBadgeSecret(secretText);
  if (typeof decoded === 'string') throw new BadgeSeedError(options.source, [`badge secret: ${decoded}`]);
  const secret = decoded;
  const problems: string[] = [];
  const entries: BadgeEntry[] = [];
  const seen = new Map<string, string>();
  for (const { where, raw } of raws) {
    const entry = toEntry(raw, where, secret, problems);
    if (!entry) continue;
    const previous = seen.get(entry.badgeRef);
    if (previous) problems.push(`${where}: the same badge as ${previous}`);
    seen.set(entry.badgeRef, where);
    entries.push(entry);
  }
  if (problems.length > 0) throw new BadgeSeedError(options.source, problems);
  return entries;
}

function toEntry(
  raw: RawBadge,
  where: string,
  secret: Buffer | undefined,
  problems: string[],
): BadgeEntry | undefined {
  const before = problems.length;
  let badgeRef: string | undefined;
  if (typeof raw.badgeRef === 'string') {
    if (!BADGE_REF_RE.test(raw.badgeRef))
      problems.push(`${where}.badgeRef: expected 64 lowercase hex characters`);
    else badgeRef = raw.badgeRef;
  } else if (typeof raw.badgeId === 'string' && raw.badgeId !== '') {
    if (!secret) {
      problems.push(
        `${where}.badgeId: a raw badge id needs the badge secret (badgeSecret in the JSON seed, or SMARTDOOR_BADGE_SECRET)`,
      );
    } else badgeRef = badgeRefOf(readerBadgeId(raw.badgeId), secret);
  } else {
    problems.push(`${where}: expected badgeRef or badgeId`);
  }
  if (typeof raw.personId !== 'string' || raw.personId.trim() === '') {
    problems.push(`${where}.personId: expected a non-empty string`);
  }
  const doors = raw.doors ?? ['*'];
  if (!Array.isArray(doors) || doors.length === 0 || !doors.every((d) => typeof d === 'string' && d !== '')) {
    problems.push(`${where}.doors: expected a non-empty list of thing names or "*"`);
  }
  const hours: HoursRule[] = [];
  const rawHours = raw.hours === undefined ? [] : Array.isArray(raw.hours) ? raw.hours : [raw.hours];
  for (const h of rawHours) {
    const rule = typeof h === 'string' ? parseHoursRule(h) : `hours: expected strings, got ${typeof h}`;
    if (typeof rule === 'string') problems.push(`${where}.${rule}`);
    else hours.push(rule);
  }
  const timezone = raw.timezone ?? 'UTC';
  if (typeof timezone !== 'string' || !isTimeZone(timezone)) {
    problems.push(`${where}.timezone: unknown time zone ${JSON.stringify(timezone)}`);
  }
  if (problems.length > before || !badgeRef) return undefined;
  return {
    badgeRef,
    personId: (raw.personId as string).trim(),
    doors: doors as string[],
    hours,
    timezone: timezone as string,
  };
}

/** Minimal RFC 4180: a header row, commas, double-quoted fields with "" escapes, # comments. */
function parseCsv(text: string, source: string): Array<{ line: number; row: Record<string, string> }> {
  const lines = text.split(/\r?\n/);
  const rows: Array<{ line: number; cells: string[] }> = [];
  lines.forEach((l, i) => {
    if (l.trim() === '' || l.trimStart().startsWith('#')) return;
    rows.push({ line: i + 1, cells: splitCsvLine(l) });
  });
  const header = rows.shift();
  if (!header) throw new BadgeSeedError(source, ['empty CSV: expected a header row']);
  const columns = header.cells.map((c) => c.trim());
  const known = ['badgeId', 'badgeRef', 'personId', 'doors', 'hours', 'timezone'];
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length > 0 || !columns.includes('personId')) {
    throw new BadgeSeedError(source, [
      `header must name personId and badgeId or badgeRef, from ${known.join(', ')}; got ${columns.join(', ')}`,
    ]);
  }
  return rows.map(({ line, cells }) => ({
    line,
    row: Object.fromEntries(columns.map((c, i) => [c, (cells[i] ?? '').trim()])),
  }));
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur);
      cur = '';
    } else cur += ch;
  }
  cells.push(cur);
  return cells;
}

/**
 * Read a seed file; the format comes from the extension (.json, .csv). The secret comes
 * from `secret`, else SMARTDOOR_BADGE_SECRET, else the JSON seed's badgeSecret.
 */
export async function loadBadgeSeedFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
): Promise<BadgeEntry[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.csv') {
    throw new BadgeSeedError(path, [`unknown format ${JSON.stringify(ext)}: name the file .json or .csv`]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new BadgeSeedError(path, [`cannot be read (${(cause as Error).message})`], { cause });
  }
  const envSecret = badgeSecretFromEnv(env);
  return parseBadgeSeed(text, {
    source: path,
    format: ext === '.json' ? 'json' : 'csv',
    ...(envSecret ? { secret: envSecret } : {}),
  });
}
