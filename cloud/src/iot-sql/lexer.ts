import { IotSqlSyntaxError } from './errors.js';

export type TokenType = 'ident' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  type: TokenType;
  /** Identifier or punctuation as written; the decoded text of a string; the digits of a number. */
  text: string;
  /** 1-based character position in the statement. */
  pos: number;
}

const PUNCT2 = new Set(['<>', '<=', '>=', '!=']);
const PUNCT1 = new Set(['(', ')', '[', ']', '{', '}', ',', '.', ':', '*', '+', '-', '/', '%', '=', '<', '>']);
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '/': '/',
};

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Split a statement into tokens; the list always ends with an `eof` token. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const pos = i + 1;
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && (isIdentStart(sql[j]!) || isDigit(sql[j]))) j++;
      tokens.push({ type: 'ident', text: sql.slice(i, j), pos });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      i = readNumber(sql, i, tokens);
      continue;
    }
    if (c === "'" || c === '"') {
      i = readString(sql, i, tokens);
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      if (two === '!=') throw new IotSqlSyntaxError(pos, 'the not-equal operator of IoT SQL is <>, not !=');
      tokens.push({ type: 'punct', text: two, pos });
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      tokens.push({ type: 'punct', text: c, pos });
      i++;
      continue;
    }
    throw new IotSqlSyntaxError(pos, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ type: 'eof', text: '', pos: n + 1 });
  return tokens;
}

/** Digits, an optional fraction and an optional exponent, as in `2`, `22.5`, `-2.411E247`. */
function readNumber(sql: string, start: number, tokens: Token[]): number {
  let j = start;
  while (isDigit(sql[j])) j++;
  if (sql[j] === '.' && isDigit(sql[j + 1])) {
    j++;
    while (isDigit(sql[j])) j++;
  }
  if (sql[j] === 'e' || sql[j] === 'E') {
    let k = j + 1;
    if (sql[k] === '+' || sql[k] === '-') k++;
    if (!isDigit(sql[k])) throw new IotSqlSyntaxError(j + 1, 'a number has an exponent without digits');
    while (isDigit(sql[k])) k++;
    j = k;
  }
  if (j < sql.length && isIdentStart(sql[j]!)) {
    throw new IotSqlSyntaxError(j + 1, `unexpected ${JSON.stringify(sql[j])} right after a number`);
  }
  const text = sql.slice(start, j);
  if (!Number.isFinite(Number(text))) {
    throw new IotSqlSyntaxError(start + 1, `the number ${text} is out of range (beyond double precision)`);
  }
  tokens.push({ type: 'number', text, pos: start + 1 });
  return j;
}

/** A string in single or double quotes; both quote a string in IoT SQL (see the functions reference). */
function readString(sql: string, start: number, tokens: Token[]): number {
  const quote = sql[start]!;
  let out = '';
  let j = start + 1;
  for (;;) {
    if (j >= sql.length)
      throw new IotSqlSyntaxError(start + 1, `string starting here is not closed with ${quote}`);
    const c = sql[j]!;
    if (c === quote) break;
    if (c === '\\') {
      const e = sql[j + 1];
      if (e === 'u') {
        const hex = sql.slice(j + 2, j + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          throw new IotSqlSyntaxError(j + 1, 'a \\u escape needs 4 hex digits');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        j += 6;
        continue;
      }
      const decoded = e === undefined ? undefined : ESCAPES[e];
      if (decoded === undefined)
        throw new IotSqlSyntaxError(j + 1, `unknown escape \\${e ?? ''} in a string`);
      out += decoded;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  tokens.push({ type: 'string', text: out, pos: start + 1 });
  return j + 1;
}
