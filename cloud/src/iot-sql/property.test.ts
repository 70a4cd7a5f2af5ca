import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from './functions.js';
import { compileIotSql, evaluateIotSql, IotSqlError } from './index.js';
import { compileTopicFilter, topicFilterProblem, topicMatchesIotFilter } from './topic-filter.js';

/**
 * Whatever the statement and whatever the payload, the parser, checker and evaluator
 * either answer or throw an IotSqlError: never a TypeError, RangeError or a hang.
 */

const FIELDS = ['a', 'b', 'arr', 'obj', 'n', 's', 'value', 'missing'];
const TOKENS = [
  'SELECT',
  'VALUE',
  '*',
  'FROM',
  "'a/#'",
  "'a/+'",
  'WHERE',
  'AS',
  'AND',
  'OR',
  'NOT',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'IN',
  'CONTAINS',
  'NULL',
  'TRUE',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  '+',
  '-',
  '/',
  '%',
  '=',
  '<>',
  '<',
  '>=',
  '1',
  '2.5',
  '-3',
  '1E400',
  "'x'",
  '"y"',
  'topic',
  'get',
  'cast',
  'Int',
  ...FIELDS,
];

/** Token soup: mostly invalid statements, to shake the parser. */
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((t) => t.join(' '));

/** Well-formed expressions over the whole function table, to shake the evaluator. */
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...FIELDS, 'arr[1]', 'obj.k', '*'),
    fc.oneof(
      fc.integer().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(Math.abs(d))),
      fc.string({ maxLength: 6 }).map((s) => `'${s.replace(/[\\']/g, '')}'`),
      fc.constantFrom('NULL', 'TRUE', 'FALSE', "'base64'", "'enrichArray'", "'[a-'", "'(x)*'"),
    ),
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom('+', '-', '*', '/', '%', '=', '<>', '<', '>=', 'AND', 'OR', 'IN', 'CONTAINS'),
        tie('expr'),
      )
      .map(([l, op, r]) => `(${l} ${op} ${r})`),
    tie('expr').map((e) => `NOT ${e}`),
    tie('expr').map((e) => `-${e}`),
    fc
      .tuple(fc.constantFrom(...Object.keys(FUNCTIONS)), fc.array(tie('expr'), { maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc
      .tuple(tie('expr'), fc.constantFrom('String', 'Int', 'Decimal', 'Boolean'))
      .map(([e, t]) => `cast(${e} AS ${t})`),
    fc
      .tuple(tie('expr'), tie('expr'), tie('expr'))
      .map(([v, w, r]) => `CASE ${v} WHEN ${w} THEN ${r} ELSE 0 END`),
    fc.array(tie('expr'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    tie('expr').map((e) => `{'k': ${e}}`),
    fc.tuple(tie('expr'), tie('expr')).map(([e, w]) => `(SELECT VALUE ${e} FROM arr WHERE ${w})`),
  ),
}));

const statement = fc.oneof(
  soup,
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.array(expr, { minLength: 1, maxLength: 3 }), fc.option(expr))
    .map(
      ([items, where]) =>
        `SELECT ${items.map((e, i) => `${e} AS k${i}`).join(', ')} FROM 'a/#'${where ? ` WHERE ${where}` : ''}`,
    ),
  expr.map((e) => `SELECT VALUE ${e} FROM 'a/#'`),
);

const payload = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc
    .record({
      a: fc.jsonValue(),
      arr: fc.array(fc.jsonValue(), { maxLength: 4 }),
      n: fc.double(),
      s: fc.string(),
    })
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
);

function onlyOwnErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof IotSqlError)) throw error;
  }
}

describe('Property: the IoT SQL pipeline throws only IotSqlError', () => {
  it('parses and checks any statement, or says why not', () => {
    fc.assert(
      fc.property(statement, (sql) => {
        onlyOwnErrors(() => compileIotSql(sql));
      }),
      { numRuns: 2000 },
    );
  });

  it('evaluates any compiled statement on any payload, or reports a rule error', () => {
    fc.assert(
      fc.property(
        statement,
        payload,
        fc.constantFrom('a/b', 'a/b/c', '$aws/rules/r/a/b'),
        (sql, body, topic) => {
          let rule: ReturnType<typeof compileIotSql>;
          try {
            rule = compileIotSql(sql);
          } catch (error) {
            expect(error).toBeInstanceOf(IotSqlError);
            return;
          }
          onlyOwnErrors(() =>
            evaluateIotSql(rule, { topic, payload: body }, { ruleName: 'r', now: () => 0 }),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('Property: the compiled topic filter agrees with topicMatchesIotFilter', () => {
  const level = fc.constantFrom('a', 'b', '', '$aws', 'ab');
  const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
  const filter = fc
    .tuple(fc.array(fc.constantFrom('a', 'b', '+', '', '$aws'), { maxLength: 4 }), fc.boolean())
    .map(([l, hash]) => [...l, ...(hash ? ['#'] : [])].join('/'))
    .filter((f) => topicFilterProblem(f) === undefined);

  it('matches exactly the same topics', () => {
    fc.assert(
      fc.property(filter, topic, (f, t) => {
        expect(compileTopicFilter(f)(t)).toBe(topicMatchesIotFilter(f, t));
      }),
      { numRuns: 5000 },
    );
  });
});
