import { type IpRange, inRange, ipToHex, mayBeIp } from './ip.js';
import type { AnythingBut, ValueMatcher } from './model.js';
import { anythingButAccepts } from './value-test.js';
import { wildcardMatches } from './wildcard.js';

/**
 * The value index of one field at one state of the rule machine: given a leaf value, which
 * next states does it lead to? Each operator has a structure whose lookup cost depends on the
 * value (hash lookups, one probe per distinct prefix/suffix length, binary search over numeric
 * bounds), not on how many rules use the field; event-ruler's ByteMachine plays this role.
 * Only anything-but, cidr and two-sided numeric ranges are scanned, and anything-but's scan is
 * bounded by its matches (it accepts almost everything).
 */
export class FieldMachine<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly ip = new Map<string, T[]>();
  private readonly numbers = new Map<number, T[]>();
  private readonly literals = new Map<boolean | null, T[]>();
  private readonly ignoreCase = new Map<string, T[]>();
  private prefix: AffixIndex<T> | null = null;
  private prefixIc: AffixIndex<T> | null = null;
  private suffix: AffixIndex<T> | null = null;
  private suffixIc: AffixIndex<T> | null = null;
  private numeric: NumericIndex<T> | null = null;
  private wildcards: WildcardIndex<T> | null = null;
  private readonly cidrs: { range: IpRange; target: T }[] = [];
  private readonly anythingBut: { m: AnythingBut; target: T }[] = [];
  private readonly exists: T[] = [];
  /** Lower-case forms are needed only if some ignore-case matcher exists. */
  private needsLower = false;

  add(m: ValueMatcher, target: T): void {
    switch (m.kind) {
      case 'exact':
        push(this.exact, m.value, target);
        return;
      case 'ip':
        push(this.ip, m.value, target);
        return;
      case 'number':
        push(this.numbers, m.value, target);
        return;
      case 'literal':
        push(this.literals, m.value, target);
        return;
      case 'equals-ignore-case':
        this.needsLower = true;
        push(this.ignoreCase, m.value, target);
        return;
      case 'prefix':
        if (m.ignoreCase) {
          this.needsLower = true;
          this.prefixIc ??= new AffixIndex(true);
          this.prefixIc.add(m.value, target);
          return;
        }
        this.prefix ??= new AffixIndex(true);
        this.prefix.add(m.value, target);
        return;
      case 'suffix':
        if (m.ignoreCase) {
          this.needsLower = true;
          this.suffixIc ??= new AffixIndex(false);
          this.suffixIc.add(m.value, target);
          return;
        }
        this.suffix ??= new AffixIndex(false);
        this.suffix.add(m.value, target);
        return;
      case 'numeric':
        // numeric "=" is exact number equality
        if (m.lo === m.hi) {
          push(this.numbers, m.lo, target);
          return;
        }
        this.numeric ??= new NumericIndex();
        this.numeric.add(m, target);
        return;
      case 'wildcard':
        this.wildcards ??= new WildcardIndex();
        this.wildcards.add(m.pieces, target);
        return;
      case 'cidr':
        this.cidrs.push({ range: m, target });
        return;
      case 'exists':
        this.exists.push(target);
        return;
      case 'anything-but':
        this.anythingBut.push({ m, target });
        return;
    }
  }

  /** Append to `out` every target `v` leads to (a target may appear more than once). */
  collect(v: unknown, out: Sink<T>): void {
    for (const t of this.exists) out.items[out.n++] = t;
    for (const { m, target } of this.anythingBut) if (anythingButAccepts(m, v)) out.items[out.n++] = target;
    if (typeof v === 'string') {
      append(this.exact.get(v), out);
      if ((this.ip.size > 0 || this.cidrs.length > 0) && mayBeIp(v)) {
        const hex = ipToHex(v);
        if (hex !== undefined) {
          append(this.ip.get(hex), out);
          for (const c of this.cidrs) if (inRange(hex, c.range)) out.items[out.n++] = c.target;
        }
      }
      this.prefix?.collect(v, out);
      this.suffix?.collect(v, out);
      this.wildcards?.collect(v, out);
      if (this.needsLower) {
        const lower = v.toLowerCase();
        append(this.ignoreCase.get(lower), out);
        this.prefixIc?.collect(lower, out);
        this.suffixIc?.collect(lower, out);
      }
    } else if (typeof v === 'number') {
      append(this.numbers.get(v), out);
      this.numeric?.collect(v, out);
    } else {
      append(this.literals.get(v as boolean | null), out);
    }
  }
}

function push<K, T>(map: Map<K, T[]>, key: K, target: T): void {
  const list = map.get(key);
  if (list) list.push(target);
  else map.set(key, [target]);
}

/** A stack of targets written by index (`n` is its height), to avoid truncating arrays. */
export interface Sink<T> {
  items: T[];
  n: number;
}

function append<T>(list: T[] | undefined, out: Sink<T>): void {
  if (list) for (let i = 0; i < list.length; i++) out.items[out.n++] = list[i]!;
}

/** Prefixes (or suffixes) by text, probed once per distinct length present. */
class AffixIndex<T> {
  private readonly byText = new Map<string, T[]>();
  private lengths: number[] = [];
  constructor(private readonly atStart: boolean) {}

  add(text: string, target: T): void {
    if (!this.byText.has(text) && !this.lengths.includes(text.length)) {
      this.lengths = [...this.lengths, text.length].sort((a, b) => a - b);
    }
    push(this.byText, text, target);
  }

  collect(v: string, out: Sink<T>): void {
    for (const len of this.lengths) {
      if (len > v.length) return;
      const key = len === 0 ? '' : this.atStart ? v.slice(0, len) : v.slice(v.length - len);
      append(this.byText.get(key), out);
    }
  }
}

interface Bound<T> {
  at: number;
  open: boolean;
  target: T;
}

interface Range<T> {
  lo: number;
  loOpen: boolean;
  hi: number;
  hiOpen: boolean;
  target: T;
}

/** Above this many (segment, range) entries the stabbing table is not built and ranges are scanned. */
const MAX_TABLE_ENTRIES = 1_000_000;

/**
 * Numeric ranges. One-sided ranges sit in arrays sorted by their bound, so a value finds all
 * that contain it with a walk over exactly those. Two-sided ranges are cut into elementary
 * segments (each bound is a point segment, the gaps between bounds open segments) and each
 * segment lists the ranges covering it: a value costs one binary search plus its matches.
 */
class NumericIndex<T> {
  private readonly above: Bound<T>[] = []; // v > at (or >=): sorted by at, ascending
  private readonly below: Bound<T>[] = []; // v < at (or <=): sorted by at, descending
  private readonly ranges: Range<T>[] = [];
  private bounds: number[] = [];
  /** segments[2k+1]: the point bounds[k]; segments[2k]: the gap below it; the last, above all. */
  private segments: T[][] | null = null;
  private built = true;

  add(m: { lo: number; loOpen: boolean; hi: number; hiOpen: boolean }, target: T): void {
    this.built = false;
    if (m.hi === Number.POSITIVE_INFINITY) this.above.push({ at: m.lo, open: m.loOpen, target });
    else if (m.lo === Number.NEGATIVE_INFINITY) this.below.push({ at: m.hi, open: m.hiOpen, target });
    else this.ranges.push({ ...m, target });
  }

  private build(): void {
    this.above.sort((a, b) => a.at - b.at);
    this.below.sort((a, b) => b.at - a.at);
    this.ranges.sort((a, b) => a.lo - b.lo);
    this.bounds = [...new Set(this.ranges.flatMap((r) => [r.lo, r.hi]))].sort((a, b) => a - b);
    const segments: T[][] = Array.from({ length: 2 * this.bounds.length + 1 }, () => []);
    let entries = 0;
    for (const r of this.ranges) {
      const first = 2 * this.indexOf(r.lo) + (r.loOpen ? 2 : 1);
      const last = 2 * this.indexOf(r.hi) + (r.hiOpen ? 0 : 1);
      entries += last - first + 1;
      if (entries > MAX_TABLE_ENTRIES) {
        this.segments = null;
        this.built = true;
        return;
      }
      for (let k = first; k <= last; k++) segments[k]!.push(r.target);
    }
    this.segments = segments;
    this.built = true;
  }

  private indexOf(v: number): number {
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bounds[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  collect(v: number, out: Sink<T>): void {
    if (!this.built) this.build();
    for (const b of this.above) {
      if (b.at > v) break;
      if (b.at < v || !b.open) out.items[out.n++] = b.target;
    }
    for (const b of this.below) {
      if (b.at < v) break;
      if (b.at > v || !b.open) out.items[out.n++] = b.target;
    }
    if (this.ranges.length === 0) return;
    if (this.segments !== null) {
      const k = this.indexOf(v);
      append(this.segments[this.bounds[k] === v ? 2 * k + 1 : 2 * k], out);
      return;
    }
    for (const r of this.ranges) {
      if (r.lo > v) break;
      if ((r.loOpen ? v > r.lo : true) && (r.hiOpen ? v < r.hi : v <= r.hi)) out.items[out.n++] = r.target;
    }
  }
}

/** Wildcards keyed by their literal start (or end), so a value only tries the candidates that fit. */
class WildcardIndex<T> {
  private readonly byStart = new AffixIndex<{ pieces: string[]; target: T }>(true);
  private readonly byEnd = new AffixIndex<{ pieces: string[]; target: T }>(false);
  private readonly candidates: { pieces: string[]; target: T }[] = [];

  add(pieces: string[], target: T): void {
    const entry = { pieces, target };
    if (pieces[0] !== '') this.byStart.add(pieces[0]!, entry);
    else if (pieces[pieces.length - 1] !== '') this.byEnd.add(pieces[pieces.length - 1]!, entry);
    else this.candidates.push(entry); // "*x*": no literal end to key on
  }

  private readonly found: Sink<{ pieces: string[]; target: T }> = { items: [], n: 0 };

  collect(v: string, out: Sink<T>): void {
    const found = this.found;
    found.n = 0;
    this.byStart.collect(v, found);
    this.byEnd.collect(v, found);
    for (let i = 0; i < found.n; i++) {
      const e = found.items[i]!;
      if (wildcardMatches(e.pieces, v)) out.items[out.n++] = e.target;
    }
    for (const e of this.candidates) if (wildcardMatches(e.pieces, v)) out.items[out.n++] = e.target;
  }
}
