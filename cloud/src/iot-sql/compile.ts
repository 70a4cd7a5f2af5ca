import type { CastType, Expr, NestedQuery, SelectItem, SelectQuery } from './ast.js';
import type { Env } from './context.js';
import { IotSqlEvaluationError } from './errors.js';
import { FUNCTIONS } from './functions.js';
import { BINARY_OPERATORS, negate, not } from './operators.js';
import {
  copyOwn,
  isObject,
  type SqlObject,
  type SqlValue,
  setOwn,
  sqlEquals,
  toBoolean,
  toInt,
  toNumber,
  toSqlString,
} from './values.js';

/**
 * Turn the syntax tree into closures, once per rule, so that a message costs no tree walk.
 * `doc` is what field names resolve against: {@link ROOT} for the message itself, or one
 * element inside a nested object query.
 */
export const ROOT: unique symbol = Symbol('root');
export type Doc = SqlValue | typeof ROOT;
export type Compiled = (env: Env, doc: Doc) => SqlValue;

/** The message as field references see it: JSON, or an error when the payload is not JSON. */
function rootDoc(env: Env, name: string): SqlValue {
  const root = env.root();
  if (root instanceof Uint8Array) {
    // Binary payloads allow no JSON names except * (developer guide, Working with binary payloads).
    throw new IotSqlEvaluationError(
      `the payload is not JSON, so the statement cannot read "${name}" from it`,
    );
  }
  return root;
}

function memberOf(v: SqlValue, name: string): SqlValue {
  return isObject(v) && Object.hasOwn(v, name) ? v[name] : undefined;
}

/** A value as literals hold it: Undefined (and raw payload bytes) left out, as JSON would (Literals). */
function storable(v: SqlValue): boolean {
  return v !== undefined && !(v instanceof Uint8Array);
}

export function compileExpr(e: Expr): Compiled {
  switch (e.kind) {
    case 'literal': {
      const value = e.value;
      return () => value;
    }
    case 'star':
      return (env, doc) => (doc === ROOT ? env.root() : doc);
    case 'field': {
      const name = e.name;
      return (env, doc) => memberOf(doc === ROOT ? rootDoc(env, name) : doc, name);
    }
    case 'member': {
      const object = compileExpr(e.object);
      const name = e.name;
      return (env, doc) => memberOf(object(env, doc), name);
    }
    case 'index': {
      const object = compileExpr(e.object);
      const index = compileExpr(e.index);
      return (env, doc) => {
        const arr = object(env, doc);
        if (!Array.isArray(arr)) return undefined;
        const i = toInt(index(env, doc));
        return i === undefined || i < 0 || i >= arr.length ? undefined : arr[i];
      };
    }
    case 'call':
      return compileCall(e);
    case 'cast': {
      const value = compileExpr(e.value);
      const type = e.type;
      return (env, doc) => castTo(value(env, doc), type);
    }
    case 'unary': {
      const operand = compileExpr(e.operand);
      if (e.op === 'not') return (env, doc) => not(operand(env, doc));
      if (e.op === 'neg') return (env, doc) => negate(operand(env, doc));
      return (env, doc) => toNumber(operand(env, doc));
    }
    case 'binary': {
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      const op = BINARY_OPERATORS[e.op];
      return (env, doc) => op(left(env, doc), right(env, doc));
    }
    case 'case':
      return compileCase(e);
    case 'array': {
      const items = e.items.map(compileExpr);
      return (env, doc) => {
        const out: SqlValue[] = [];
        for (const item of items) {
          const v = item(env, doc);
          if (storable(v)) out.push(v);
        }
        return out;
      };
    }
    case 'object': {
      const entries = e.entries.map((entry) => ({ key: entry.key, value: compileExpr(entry.value) }));
      return (env, doc) => {
        const out: SqlObject = {};
        for (const entry of entries) {
          const v = entry.value(env, doc);
          if (storable(v)) setOwn(out, entry.key, v);
        }
        return out;
      };
    }
    case 'subquery':
      return compileNested(e.query);
  }
}

function compileCall(e: Extract<Expr, { kind: 'call' }>): Compiled {
  const def = FUNCTIONS[e.name]!;
  const args = e.args.map((arg, i) =>
    // encode(*, ...) encodes the payload's exact bytes, "regardless of whether it's in JSON format".
    e.name === 'encode' && i === 0 && arg.kind === 'star'
      ? (env: Env, doc: Doc) => (doc === ROOT ? env.payload : doc)
      : compileExpr(arg),
  );
  const call = def.call;
  if (args.length === 0) return (env) => call([], env);
  return (env, doc) => {
    const values: SqlValue[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) values[i] = args[i]!(env, doc);
    return call(values, env);
  };
}

/** CASE v WHEN t THEN r ... ELSE e END: the first t equal to v (by =) wins; Undefined v gives Undefined. */
function compileCase(e: Extract<Expr, { kind: 'case' }>): Compiled {
  const subject = compileExpr(e.subject);
  const whens = e.whens.map((w) => ({ when: compileExpr(w.when), result: compileExpr(w.result) }));
  const otherwise = e.otherwise ? compileExpr(e.otherwise) : undefined;
  return (env, doc) => {
    const v = subject(env, doc);
    if (v === undefined) return undefined;
    for (const w of whens) if (sqlEquals(v, w.when(env, doc))) return w.result(env, doc);
    return otherwise ? otherwise(env, doc) : undefined;
  };
}

/** cast(value AS type), with the casting tables of the functions reference. */
export function castTo(v: SqlValue, type: CastType): SqlValue {
  switch (type) {
    case 'string':
      return toSqlString(v);
    case 'boolean':
      return typeof v === 'number' ? v !== 0 : toBoolean(v);
    default: {
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === null) return undefined;
      return type === 'int' ? toInt(v) : toNumber(v);
    }
  }
}

/** A compiled SELECT list (+ WHERE): the projection of one document. */
export interface CompiledSelect {
  where?: Compiled;
  project(env: Env, doc: Doc): SqlValue;
}

interface OutputItem {
  star: boolean;
  path: string[];
  /** The key of a one-segment path that plain assignment can set (not `__proto__`), else undefined. */
  plainKey: string | undefined;
  value: Compiled;
}

/**
 * The key an item without AS gets. IoT Core names a field after its last path segment
 * (SELECT color.red gives "red"); for other expressions we use the function name, else
 * `_N` by position. These defaults are not documented; prefer AS.
 */
function defaultKey(expr: Expr, position: number): string {
  if (expr.kind === 'field' || expr.kind === 'member') return expr.name;
  if (expr.kind === 'index') return defaultKey(expr.object, position);
  if (expr.kind === 'call') return expr.name;
  return `_${position + 1}`;
}

/** `AS a.b.c`: nested objects, reusing one an earlier item built; only own keys are walked, so never a prototype. */
function setPath(out: SqlObject, path: string[], v: SqlValue): void {
  let target = out;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isObject(next)) {
      target = next;
    } else {
      const created: SqlObject = {};
      setOwn(target, key, created);
      target = created;
    }
  }
  setOwn(target, path[path.length - 1]!, v);
}

/**
 * `nested`: inside a nested object query, `SELECT *, ...` over an element that is not an
 * object yields Undefined (the element is skipped) instead of failing the rule.
 */
export function compileSelect(q: SelectQuery, nested = false): CompiledSelect {
  const where = q.where ? compileExpr(q.where) : undefined;
  if (q.value) {
    const value = compileExpr(q.items[0]!.expr);
    return { ...(where ? { where } : {}), project: value };
  }
  const items: OutputItem[] = q.items.map((item: SelectItem, i) => {
    const path = item.alias ?? [defaultKey(item.expr, i)];
    return {
      star: item.expr.kind === 'star',
      path,
      plainKey: path.length === 1 && path[0] !== '__proto__' ? path[0] : undefined,
      value: compileExpr(item.expr),
    };
  });
  const only = items.length === 1 ? items[0]! : undefined;
  if (only?.star) return { ...(where ? { where } : {}), project: only.value };
  return {
    ...(where ? { where } : {}),
    project(env, doc) {
      const out: SqlObject = {};
      for (const item of items) {
        const v = item.value(env, doc);
        if (item.star) {
          if (!isObject(v)) {
            if (nested) return undefined;
            throw new IotSqlEvaluationError(
              'SELECT *, ... needs a JSON object payload to add the other items to',
            );
          }
          copyOwn(out, v);
        } else if (storable(v)) {
          if (item.plainKey !== undefined) out[item.plainKey] = v;
          else setPath(out, item.path, v);
        }
      }
      return out;
    },
  };
}

/**
 * A nested object query: over an Array, the projections of the elements that pass WHERE
 * (Undefined ones dropped); over an Object, its one projection (Nested object queries, and
 * transform example 3, where `(select a, b from data2)` is an Object).
 */
function compileNested(q: NestedQuery): Compiled {
  const from = compileExpr(q.from);
  const select = compileSelect(q, true);
  const passes = (env: Env, doc: SqlValue) => !select.where || toBoolean(select.where(env, doc)) === true;
  return (env, doc) => {
    const source = from(env, doc);
    if (Array.isArray(source)) {
      const out: SqlValue[] = [];
      for (const element of source) {
        if (!passes(env, element)) continue;
        const v = select.project(env, element);
        if (storable(v)) out.push(v);
      }
      return out;
    }
    if (isObject(source)) return passes(env, source) ? select.project(env, source) : undefined;
    return undefined;
  };
}
