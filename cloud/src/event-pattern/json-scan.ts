import { InvalidEventError } from './errors.js';
import type { LeafTable, PathTree, Trail } from './flatten.js';

/**
 * Reads an event from JSON text straight into a LeafTable, decoding only the values of fields
 * that some pattern names (the `tree`); every other value is skipped with a structural scan
 * (brackets, strings, commas), without building strings, numbers or objects. This is what
 * lets matchesForJson avoid JSON.parse's full cost on fields no rule looks at. Skipped values
 * are checked for structure, not fully validated (e.g. a bad escape inside a skipped string
 * goes unnoticed), the same trade-off as event-ruler's streaming parse.
 */
export function scanJson(text: string, tree: PathTree, table: LeafTable): void {
  table.reset();
  const s = new Scanner(text, table);
  s.ws();
  if (text.charCodeAt(s.pos) !== 123 /* { */) s.fail('the event must be a JSON object');
  s.object(tree, null);
  s.ws();
  if (s.pos !== text.length) s.fail('unexpected text after the event');
}

class Scanner {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly table: LeafTable,
  ) {}

  fail(message: string): never {
    throw new InvalidEventError(message, this.pos);
  }

  ws(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  /** At '{'. `node` is null when nothing below is named. */
  object(node: PathTree | null, trail: Trail | null): void {
    const t = this.text;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 125 /* } */) {
      this.pos++;
      return;
    }
    const named = node !== null && node.children.size > 0 ? node : null;
    for (;;) {
      this.ws();
      if (t.charCodeAt(this.pos) !== 34) this.fail('expected a field name');
      let child: PathTree | null = null;
      if (named === null) this.skipString();
      else child = this.key(named);
      this.ws();
      if (t.charCodeAt(this.pos) !== 58 /* : */) this.fail("expected ':'");
      this.pos++;
      this.ws();
      this.value(child, trail);
      this.ws();
      const c = t.charCodeAt(this.pos++);
      if (c === 125) return;
      if (c !== 44) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  value(node: PathTree | null, trail: Trail | null): void {
    if (node === null) {
      this.skipValue();
      return;
    }
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 123) {
      this.object(node, trail);
      return;
    }
    if (c === 91) {
      this.array(node, trail);
      return;
    }
    const leaf = node !== null && node.id >= 0;
    if (c === 34) {
      if (leaf) this.table.push(node.id, this.string(), trail);
      else this.skipString();
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = this.pos;
      this.skipNumber();
      if (leaf) this.table.push(node.id, Number(t.slice(start, this.pos)), trail);
    } else if (t.startsWith('true', this.pos)) {
      this.pos += 4;
      if (leaf) this.table.push(node.id, true, trail);
    } else if (t.startsWith('false', this.pos)) {
      this.pos += 5;
      if (leaf) this.table.push(node.id, false, trail);
    } else if (t.startsWith('null', this.pos)) {
      this.pos += 4;
      if (leaf) this.table.push(node.id, null, trail);
    } else {
      this.fail('expected a value');
    }
  }

  array(node: PathTree | null, trail: Trail | null): void {
    const t = this.text;
    this.pos++;
    this.ws();
    if (t.charCodeAt(this.pos) === 93) {
      this.pos++;
      return;
    }
    const arrayId = node === null ? -1 : this.table.arrays++;
    for (let i = 0; ; i++) {
      this.ws();
      this.value(node, node === null ? null : trail ? [...trail, arrayId, i] : [arrayId, i]);
      this.ws();
      const c = t.charCodeAt(this.pos++);
      if (c === 93) return;
      if (c !== 44) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  /**
   * At a key's '"': the child of `node` it names, or null. Keys are compared in place
   * (no string is built) unless they contain escapes or the node has many children.
   */
  key(node: PathTree): PathTree | null {
    const t = this.text;
    const start = this.pos + 1;
    const entries = node.entries;
    if (entries.length > 8) return node.children.get(this.string()) ?? null;
    const end = this.stringEnd(start);
    for (let p = start; p < end; p++) {
      if (t.charCodeAt(p) === 92) return node.children.get(this.string()) ?? null;
    }
    this.pos = end + 1;
    const length = end - start;
    for (let i = 0; i < entries.length; i++) {
      const [name, child] = entries[i]!;
      if (name.length === length && t.startsWith(name, start)) return child;
    }
    return null;
  }

  /** At '"': the decoded string. */
  string(): string {
    const t = this.text;
    const start = this.pos + 1;
    const end = this.stringEnd(start);
    this.pos = end + 1;
    const raw = t.slice(start, end);
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(t.slice(start - 1, end + 1)) as string;
    } catch (e) {
      this.pos = start;
      return this.fail(`bad string: ${(e as Error).message}`);
    }
  }

  /**
   * Skip one value no pattern looks into: track bracket depth and jump over strings, nothing
   * else (the structural check the class comment describes).
   */
  skipValue(): void {
    const t = this.text;
    const n = t.length;
    let p = this.pos;
    let depth = 0;
    for (; p < n; p++) {
      let c = t.charCodeAt(p);
      if (c === 34) {
        // Inline string skip: most strings here are short keys ("x", "y", "z").
        for (p++; p < n; p++) {
          c = t.charCodeAt(p);
          if (c === 34) break;
          if (c === 92) p++;
        }
        if (p >= n) {
          this.pos = p;
          this.fail('unterminated string');
        }
        if (depth === 0) {
          p++;
          break;
        }
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break; // the end of the enclosing container: a missing value
        if (--depth === 0) {
          p++;
          break;
        }
      } else if (depth === 0 && (c === 44 || c === 32 || c === 10 || c === 13 || c === 9)) break;
    }
    if (depth !== 0) {
      this.pos = p;
      this.fail('unterminated object or array');
    }
    if (p === this.pos) this.fail('expected a value');
    this.pos = p;
  }

  skipString(): void {
    this.pos = this.stringEnd(this.pos + 1) + 1;
  }

  /** Index of the closing quote of the string whose content starts at `from`. */
  private stringEnd(from: number): number {
    const t = this.text;
    let p = from;
    for (;;) {
      const q = t.indexOf('"', p);
      if (q < 0) {
        this.pos = from;
        this.fail('unterminated string');
      }
      let slashes = 0;
      for (let b = q - 1; b >= from && t.charCodeAt(b) === 92; b--) slashes++;
      if (slashes % 2 === 0) return q;
      p = q + 1;
    }
  }

  skipNumber(): void {
    const t = this.text;
    let p = this.pos;
    if (t.charCodeAt(p) === 45) p++;
    let from = p;
    while (isDigit(t.charCodeAt(p))) p++;
    let ok = p > from;
    if (t.charCodeAt(p) === 46) {
      from = ++p;
      while (isDigit(t.charCodeAt(p))) p++;
      ok &&= p > from;
    }
    const e = t.charCodeAt(p);
    if (e === 101 || e === 69) {
      p++;
      const sign = t.charCodeAt(p);
      if (sign === 43 || sign === 45) p++;
      from = p;
      while (isDigit(t.charCodeAt(p))) p++;
      ok &&= p > from;
    }
    this.pos = p;
    if (!ok) this.fail('bad number');
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
