/**
 * The syntax tree of an IoT SQL statement (version 2016-03-23). Every node keeps `pos`,
 * the 1-based character where it starts, so that the check stage can point at it.
 */
export type Expr =
  | { kind: 'literal'; pos: number; value: null | boolean | number | string }
  | { kind: 'star'; pos: number }
  | { kind: 'field'; pos: number; name: string }
  | { kind: 'member'; pos: number; object: Expr; name: string }
  | { kind: 'index'; pos: number; object: Expr; index: Expr }
  | { kind: 'call'; pos: number; name: string; args: Expr[] }
  | { kind: 'cast'; pos: number; value: Expr; type: CastType }
  | { kind: 'unary'; pos: number; op: UnaryOp; operand: Expr }
  | { kind: 'binary'; pos: number; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'case'; pos: number; subject: Expr; whens: { when: Expr; result: Expr }[]; otherwise?: Expr }
  | { kind: 'array'; pos: number; items: Expr[] }
  | { kind: 'object'; pos: number; entries: { key: string; value: Expr }[] }
  | { kind: 'subquery'; pos: number; query: NestedQuery };

export type UnaryOp = 'not' | 'neg' | 'plus';
export type BinaryOp =
  | 'and'
  | 'or'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'in'
  | 'contains';

/** The type keywords `cast(x AS type)` accepts (functions reference, cast). */
export type CastType = 'string' | 'int' | 'double' | 'decimal' | 'boolean';

export interface SelectItem {
  expr: Expr;
  /** The output key; a dotted alias (`AS a.b`) builds nested objects. Undefined for `*`. */
  alias?: string[];
}

/** A SELECT, either the statement's own or a nested object query. */
export interface SelectQuery {
  pos: number;
  /** SELECT VALUE: the output is the one item's value, not an object. */
  value: boolean;
  items: SelectItem[];
  where?: Expr;
}

/** A nested object query `(SELECT ... FROM path [WHERE ...])`: FROM names a part of the message. */
export interface NestedQuery extends SelectQuery {
  from: Expr;
}

/** A parsed top-level statement. */
export interface IotSqlStatement extends SelectQuery {
  /** The statement as written. */
  sql: string;
  /** The FROM topic filter; undefined for a Basic Ingest-only rule. */
  from?: string;
}

/** The sub-expressions of a node, for walking the tree. */
export function childrenOf(e: Expr): Expr[] {
  switch (e.kind) {
    case 'member':
      return [e.object];
    case 'index':
      return [e.object, e.index];
    case 'cast':
      return [e.value];
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'case':
      return [
        e.subject,
        ...e.whens.flatMap((w) => [w.when, w.result]),
        ...(e.otherwise ? [e.otherwise] : []),
      ];
    case 'array':
      return e.items;
    case 'object':
      return e.entries.map((entry) => entry.value);
    case 'subquery': {
      const q = e.query;
      return [...q.items.map((i) => i.expr), ...(q.where ? [q.where] : []), q.from];
    }
    case 'call':
      return e.args;
    default:
      return [];
  }
}
