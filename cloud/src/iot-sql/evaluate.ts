import type { IotSqlStatement } from './ast.js';
import { checkIotSql } from './check.js';
import { type CompiledSelect, compileSelect, ROOT } from './compile.js';
import type { Env, IotSqlContext } from './context.js';
import { IotSqlEvaluationError } from './errors.js';
import { parseIotSql } from './parse.js';
import { compileTopicFilter } from './topic-filter.js';
import { type SqlValue, toBoolean, toJson } from './values.js';

/** A statement parsed, checked and compiled: make it once per rule, evaluate it per message. */
export interface CompiledIotSql {
  readonly statement: IotSqlStatement;
  /** @internal the compiled SELECT list and WHERE. */
  readonly select: CompiledSelect;
  /** @internal the FROM filter as a test; undefined for a Basic Ingest-only rule. */
  readonly matches: ((topic: string) => boolean) | undefined;
}

export type IotSqlResult =
  | { fired: false; reason: 'topic' | 'where' }
  /**
   * `payload` is the exact bytes an action receives; `json` is the value those bytes hold
   * as JSON, or undefined when they are raw (a string from SELECT VALUE, a binary payload).
   */
  | { fired: true; payload: Buffer; json: unknown | undefined };

export interface IotMessage {
  topic: string;
  payload: Uint8Array;
}

/** Parse, check and compile a statement: do it once, when the rule is created. */
export function compileIotSql(sql: string): CompiledIotSql {
  const statement = parseIotSql(sql);
  checkIotSql(statement);
  const matches = statement.from === undefined ? undefined : compileTopicFilter(statement.from);
  return { statement, select: compileSelect(statement), matches };
}

const NOT_PARSED: unique symbol = Symbol('not parsed');
const EMPTY = Buffer.alloc(0);

const HUGE_EXPONENT = /[eE][+-]?\d{3}/;

function finiteOnly(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? undefined : value;
}

/** The payload as IoT SQL sees it: JSON when it parses as JSON, else the raw bytes. */
function parsePayload(payload: Uint8Array): SqlValue {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  try {
    // A number beyond double range (1E999; IoT Core's Decimal goes to 9.999E999) has no
    // value here: it is left out, as Undefined. Only texts with 3-digit exponents pay for the check.
    return (HUGE_EXPONENT.test(text) ? JSON.parse(text, finiteOnly) : JSON.parse(text)) as SqlValue;
  } catch {
    return payload;
  }
}

/**
 * Where the message goes: a Basic Ingest topic `$aws/rules/{rule}/...` reaches only the
 * named rule, which sees the topic without that prefix (developer guide, Basic Ingest and
 * topic()); any other topic must match the FROM filter.
 */
function routedTopic(rule: CompiledIotSql, topic: string, ctx: IotSqlContext): string | undefined {
  if (topic.startsWith('$aws/rules/')) {
    const slash = topic.indexOf('/', 11);
    if (slash < 0 || ctx.ruleName === undefined || topic.slice(11, slash) !== ctx.ruleName) return undefined;
    return topic.slice(slash + 1);
  }
  return rule.matches?.(topic) ? topic : undefined;
}

/**
 * Run a compiled rule on one message. Pure: the clock, UUIDs and randomness come from
 * `ctx`. Throws {@link IotSqlEvaluationError} when IoT Core would report a rule error.
 */
export function evaluateIotSql(
  rule: CompiledIotSql,
  message: IotMessage,
  ctx: IotSqlContext = {},
): IotSqlResult {
  if (typeof message?.topic !== 'string' || !(message.payload instanceof Uint8Array)) {
    throw new IotSqlEvaluationError('a message needs a string topic and a Uint8Array payload');
  }
  const topic = routedTopic(rule, message.topic, ctx);
  if (topic === undefined) return { fired: false, reason: 'topic' };
  let parsed: SqlValue | typeof NOT_PARSED = NOT_PARSED;
  const env: Env = {
    topic,
    payload: message.payload,
    ctx,
    root() {
      if (parsed === NOT_PARSED) parsed = parsePayload(message.payload);
      return parsed;
    },
  };
  const { select } = rule;
  try {
    if (select.where && toBoolean(select.where(env, ROOT)) !== true) return { fired: false, reason: 'where' };
    return output(select.project(env, ROOT), rule.statement.value);
  } catch (error) {
    // A payload nested deeper than the call stack allows (possible within 128 KB) fails the rule, not the process.
    if (error instanceof RangeError) {
      throw new IotSqlEvaluationError(`the message is too deeply nested to evaluate (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The bytes an action receives: raw bytes for a binary payload and for a String selected
 * with VALUE, nothing for Undefined ("converted to an empty string when serialized by
 * itself", Data types), JSON text for everything else.
 */
function output(result: SqlValue, value: boolean): IotSqlResult {
  if (result instanceof Uint8Array) {
    return {
      fired: true,
      payload: Buffer.from(result.buffer, result.byteOffset, result.byteLength),
      json: undefined,
    };
  }
  if (result === undefined) return { fired: true, payload: EMPTY, json: undefined };
  if (value && typeof result === 'string')
    return { fired: true, payload: Buffer.from(result, 'utf8'), json: undefined };
  return { fired: true, payload: Buffer.from(toJson(result), 'utf8'), json: result };
}
