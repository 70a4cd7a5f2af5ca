import {
  type BinaryOp,
  childrenOf,
  type Expr,
  type IotSqlStatement,
  type NestedQuery,
  type SelectItem,
  type SelectQuery,
} from './ast.js';
import { IotSqlSyntaxError } from './errors.js';
import { CAST_TYPES, COMPARISONS, RESERVED } from './keywords.js';
import { type Token, tokenize } from './lexer.js';
import { TokenStream } from './token-stream.js';
import { topicFilterProblem } from './topic-filter.js';

/**
 * Parse an IoT SQL statement (version 2016-03-23) into its syntax tree. Throws an
 * {@link IotSqlSyntaxError} with the position and the reason when it is not valid.
 */
export function parseIotSql(sql: string): IotSqlStatement {
  if (typeof sql !== 'string') throw new IotSqlSyntaxError(1, 'the statement must be a string');
  const set = /^\s*SET\b/i.exec(sql);
  if (set) {
    // The SET clause (variables) is newer than this evaluator; say so rather than fail on its `@`.
    const pos = set[0].length - 2;
    throw new IotSqlSyntaxError(pos, 'the SET clause (variables) is not supported by the local evaluator');
  }
  const p = new Parser(sql, tokenize(sql));
  return p.statement();
}

/** Deeper nesting than this is refused rather than risking the call stack (parser, compiler, evaluator). */
const MAX_DEPTH = 200;
const MAX_HEIGHT = 1000;

/** The first node found deeper than `limit` in the tree, found without recursion. */
function deepestBeyond(stmt: IotSqlStatement, limit: number): Expr | undefined {
  const stack: { e: Expr; depth: number }[] = [];
  for (const item of stmt.items) stack.push({ e: item.expr, depth: 1 });
  if (stmt.where) stack.push({ e: stmt.where, depth: 1 });
  for (let top = stack.pop(); top; top = stack.pop()) {
    if (top.depth > limit) return top.e;
    for (const child of childrenOf(top.e)) stack.push({ e: child, depth: top.depth + 1 });
  }
  return undefined;
}

class Parser extends TokenStream {
  private depth = 0;
  constructor(
    private readonly sql: string,
    tokens: Token[],
  ) {
    super(tokens);
  }

  statement(): IotSqlStatement {
    const select = this.select();
    let from: string | undefined;
    if (this.acceptWord('FROM')) {
      const t = this.peek();
      if (t.type !== 'string') {
        this.fail(t, "expected the topic filter in quotes after FROM, e.g. FROM 'a/+/b'");
      }
      this.i++;
      const problem = topicFilterProblem(t.text);
      if (problem)
        throw new IotSqlSyntaxError(t.pos, `invalid topic filter ${JSON.stringify(t.text)}: ${problem}`);
      from = t.text;
    }
    const where = this.acceptWord('WHERE') ? this.expr() : undefined;
    const end = this.peek();
    if (end.type !== 'eof') this.fail(end, 'expected the end of the statement');
    const statement: IotSqlStatement = { ...select, sql: this.sql, from, ...(where ? { where } : {}) };
    const tooDeep = deepestBeyond(statement, MAX_HEIGHT);
    if (tooDeep)
      throw new IotSqlSyntaxError(tooDeep.pos, `the expression nests deeper than ${MAX_HEIGHT} levels`);
    return statement;
  }

  /** `SELECT [VALUE] item, ...`; FROM and WHERE are read by the caller. */
  private select(): SelectQuery {
    const start = this.peek();
    if (!this.acceptWord('SELECT')) this.fail(start, 'expected SELECT');
    let value = false;
    const v = this.peek();
    // VALUE is a keyword only when an expression follows it: `SELECT value FROM` and
    // `SELECT value.x` read a field; `SELECT VALUE [a, b]` selects an array (SELECT clause).
    if (v.type === 'ident' && v.text.toUpperCase() === 'VALUE') {
      const next = this.tokens[this.i + 1]!;
      const followsExpr = !(next.type === 'punct' && (next.text === ',' || next.text === '.'));
      const isClause = next.type === 'ident' && ['FROM', 'WHERE', 'AS'].includes(next.text.toUpperCase());
      if (followsExpr && !isClause && next.type !== 'eof' && !(next.type === 'punct' && next.text === ')')) {
        value = true;
        this.i++;
      }
    }
    const items: SelectItem[] = [this.selectItem()];
    while (this.acceptPunct(',')) items.push(this.selectItem());
    if (value && items.length > 1) {
      throw new IotSqlSyntaxError(items[1]!.expr.pos, 'SELECT VALUE takes exactly one expression');
    }
    if (value && items[0]!.alias)
      throw new IotSqlSyntaxError(v.pos, 'SELECT VALUE cannot have an alias (AS)');
    return { pos: start.pos, value, items };
  }

  private selectItem(): SelectItem {
    const t = this.peek();
    if (t.type === 'punct' && t.text === '*') {
      this.i++;
      if (this.isWord(this.peek(), 'AS')) this.fail(this.peek(), '* cannot have an alias');
      return { expr: { kind: 'star', pos: t.pos } };
    }
    const expr = this.expr();
    if (!this.acceptWord('AS')) return { expr };
    const alias = [this.aliasPart()];
    while (this.acceptPunct('.')) alias.push(this.aliasPart());
    return { expr, alias };
  }

  private aliasPart(): string {
    const t = this.peek();
    if (t.type !== 'ident' || RESERVED.has(t.text.toUpperCase())) this.fail(t, 'expected a name after AS');
    this.i++;
    return t.text;
  }

  expr(): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek(), `expressions nest deeper than ${MAX_DEPTH} levels`);
    try {
      return this.or();
    } finally {
      this.depth--;
    }
  }

  private or(): Expr {
    let left = this.and();
    for (let t = this.peek(); this.acceptWord('OR'); t = this.peek()) {
      left = { kind: 'binary', pos: t.pos, op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    for (let t = this.peek(); this.acceptWord('AND'); t = this.peek()) {
      left = { kind: 'binary', pos: t.pos, op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    const nots: Token[] = [];
    for (let t = this.peek(); this.acceptWord('NOT'); t = this.peek()) nots.push(t);
    let e = this.comparison();
    for (let k = nots.length - 1; k >= 0; k--)
      e = { kind: 'unary', pos: nots[k]!.pos, op: 'not', operand: e };
    return e;
  }

  private comparison(): Expr {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      let op: BinaryOp | undefined;
      if (t.type === 'punct') op = COMPARISONS[t.text];
      else if (this.isWord(t, 'IN')) op = 'in';
      else if (this.isWord(t, 'CONTAINS')) op = 'contains';
      if (!op) return left;
      this.i++;
      left = { kind: 'binary', pos: t.pos, op, left, right: this.additive() };
    }
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'punct' || (t.text !== '+' && t.text !== '-')) return left;
      this.i++;
      left = { kind: 'binary', pos: t.pos, op: t.text, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'punct' || (t.text !== '*' && t.text !== '/' && t.text !== '%')) return left;
      this.i++;
      left = { kind: 'binary', pos: t.pos, op: t.text, left, right: this.unary() };
    }
  }

  private unary(): Expr {
    const signs: Token[] = [];
    for (let t = this.peek(); t.type === 'punct' && (t.text === '-' || t.text === '+'); t = this.peek()) {
      signs.push(t);
      this.i++;
    }
    let e = this.postfix(this.primary());
    // Innermost sign first; a signed number literal folds into the literal it reads as (-5).
    for (let k = signs.length - 1; k >= 0; k--) {
      const t = signs[k]!;
      const neg = t.text === '-';
      if (e.kind === 'literal' && typeof e.value === 'number') {
        e = { kind: 'literal', pos: t.pos, value: neg ? -e.value + 0 : e.value };
      } else {
        e = { kind: 'unary', pos: t.pos, op: neg ? 'neg' : 'plus', operand: e };
      }
    }
    return e;
  }

  /** `.name` and `[index]` after any primary: paths into the message, function results, literals. */
  private postfix(base: Expr): Expr {
    let e = base;
    for (;;) {
      const t = this.peek();
      if (this.acceptPunct('.')) {
        const name = this.peek();
        if (name.type !== 'ident') this.fail(name, 'expected a field name after "."');
        this.i++;
        e = { kind: 'member', pos: t.pos, object: e, name: name.text };
      } else if (this.acceptPunct('[')) {
        const index = this.expr();
        this.expectPunct(']');
        e = { kind: 'index', pos: t.pos, object: e, index };
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'number':
        this.i++;
        return { kind: 'literal', pos: t.pos, value: Number(t.text) };
      case 'string':
        this.i++;
        return { kind: 'literal', pos: t.pos, value: t.text };
      case 'ident':
        return this.word(t);
      case 'punct':
        return this.punctPrimary(t);
      default:
        return this.fail(t, 'expected an expression');
    }
  }

  private word(t: Token): Expr {
    const upper = t.text.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') {
      this.i++;
      return { kind: 'literal', pos: t.pos, value: upper === 'TRUE' };
    }
    if (upper === 'NULL') {
      this.i++;
      return { kind: 'literal', pos: t.pos, value: null };
    }
    if (upper === 'CASE') return this.caseExpr(t);
    if (RESERVED.has(upper)) this.fail(t, 'expected an expression');
    this.i++;
    if (!this.acceptPunct('(')) return { kind: 'field', pos: t.pos, name: t.text };
    const name = t.text.toLowerCase();
    if (name === 'cast') return this.castCall(t);
    const args: Expr[] = [];
    if (!this.acceptPunct(')')) {
      args.push(this.argument());
      while (this.acceptPunct(',')) args.push(this.argument());
      this.expectPunct(')');
    }
    return { kind: 'call', pos: t.pos, name, args };
  }

  /** A function argument: an expression, or `*` for the whole payload (encode, get, aws_lambda). */
  private argument(): Expr {
    const t = this.peek();
    if (t.type === 'punct' && t.text === '*') {
      this.i++;
      return this.postfix({ kind: 'star', pos: t.pos });
    }
    return this.expr();
  }

  /** `cast(value AS type)`, functions reference. */
  private castCall(t: Token): Expr {
    const value = this.expr();
    if (!this.acceptWord('AS')) this.fail(this.peek(), 'expected AS and a type in cast(value AS type)');
    const typeTok = this.peek();
    const type = typeTok.type === 'ident' ? CAST_TYPES[typeTok.text.toUpperCase()] : undefined;
    if (!type) {
      this.fail(typeTok, `expected a cast type (${Object.keys(CAST_TYPES).join(', ')})`);
    }
    this.i++;
    this.expectPunct(')');
    return { kind: 'cast', pos: t.pos, value, type };
  }

  /** `CASE v WHEN t THEN r ... [ELSE e] END` (case statements). */
  private caseExpr(t: Token): Expr {
    this.i++;
    if (this.isWord(this.peek(), 'WHEN')) {
      // The developer guide documents only the simple form; the searched form is not IoT SQL.
      this.fail(
        this.peek(),
        'CASE needs a value to match: CASE v WHEN t THEN r (write CASE true WHEN cond ...)',
      );
    }
    const subject = this.expr();
    const whens: { when: Expr; result: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      if (!this.acceptWord('THEN')) this.fail(this.peek(), 'expected THEN');
      whens.push({ when, result: this.expr() });
    }
    if (whens.length === 0) this.fail(this.peek(), 'a CASE statement needs at least one WHEN clause');
    const otherwise = this.acceptWord('ELSE') ? this.expr() : undefined;
    if (!this.acceptWord('END')) this.fail(this.peek(), 'expected END to close CASE');
    return { kind: 'case', pos: t.pos, subject, whens, ...(otherwise ? { otherwise } : {}) };
  }

  private punctPrimary(t: Token): Expr {
    if (t.text === '(') {
      this.i++;
      if (this.isWord(this.peek(), 'SELECT')) return this.nested(t);
      const inner = this.expr();
      this.expectPunct(')');
      return inner;
    }
    if (t.text === '[') {
      this.i++;
      const items: Expr[] = [];
      if (!this.acceptPunct(']')) {
        items.push(this.expr());
        while (this.acceptPunct(',')) items.push(this.expr());
        this.expectPunct(']');
      }
      return { kind: 'array', pos: t.pos, items };
    }
    if (t.text === '{') return this.objectLiteral(t);
    if (t.text === '*')
      this.fail(t, '* stands for the whole payload only as a SELECT item or a function argument');
    return this.fail(t, 'expected an expression');
  }

  /** `{'key': expr, "other": expr}` (literals). */
  private objectLiteral(t: Token): Expr {
    this.i++;
    const entries: { key: string; value: Expr }[] = [];
    if (!this.acceptPunct('}')) {
      do {
        const k = this.peek();
        if (k.type !== 'string' && k.type !== 'ident') this.fail(k, 'expected a key in an object literal');
        this.i++;
        this.expectPunct(':');
        entries.push({ key: k.text, value: this.expr() });
      } while (this.acceptPunct(','));
      this.expectPunct('}');
    }
    return { kind: 'object', pos: t.pos, entries };
  }

  /** `(SELECT ... FROM path [WHERE ...])` (nested object queries). */
  private nested(open: Token): Expr {
    const select = this.select();
    if (!this.acceptWord('FROM'))
      this.fail(this.peek(), 'a nested SELECT needs FROM and a path into the message');
    const from = this.postfix(this.primary());
    const where = this.acceptWord('WHERE') ? this.expr() : undefined;
    this.expectPunct(')');
    const query: NestedQuery = { ...select, from, ...(where ? { where } : {}) };
    return { kind: 'subquery', pos: open.pos, query };
  }
}
