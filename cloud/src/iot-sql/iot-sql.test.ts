import { describe, expect, it } from 'vitest';
import {
  checkIotSql,
  compileIotSql,
  evaluateIotSql,
  IotSqlCheckError,
  IotSqlError,
  IotSqlEvaluationError,
  IotSqlSyntaxError,
  parseIotSql,
  topicFilterProblem,
  topicMatchesIotFilter,
} from './index.js';

const message = (payload: string, topic = 'a/b') => ({ topic, payload: Buffer.from(payload) });

describe('Function: parseIotSql', () => {
  it('returns the statement tree with the topic filter, without checking functions', () => {
    // Act
    const stmt = parseIotSql("SELECT nope(a) AS x FROM 'a/+' WHERE b > 1");
    // Assess
    expect(stmt.from).toBe('a/+');
    expect(stmt.items[0]!.alias).toEqual(['x']);
    expect(stmt.items[0]!.expr).toMatchObject({ kind: 'call', name: 'nope', pos: 8 });
    expect(stmt.where).toMatchObject({ kind: 'binary', op: '>' });
  });

  it('throws IotSqlSyntaxError with the position and the reason', () => {
    // Act
    let thrown: unknown;
    try {
      parseIotSql("SELECT * FROM 'a/b' WHERE a != 1");
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(IotSqlSyntaxError);
    expect(thrown).toBeInstanceOf(IotSqlError);
    expect(thrown).toMatchObject({
      name: 'IotSqlSyntaxError',
      position: 29,
      reason: 'the not-equal operator of IoT SQL is <>, not !=',
      message: 'invalid IoT SQL at position 29: the not-equal operator of IoT SQL is <>, not !=',
    });
  });

  it('refuses a statement that is not a string', () => {
    // Act / Assess
    expect(() => parseIotSql(42 as unknown as string)).toThrow(IotSqlSyntaxError);
  });

  it('refuses parentheses nested deeper than 200 levels', () => {
    // Prepare
    const sql = `SELECT VALUE ${'('.repeat(250)}1${')'.repeat(250)} FROM 'a/b'`;
    // Act / Assess
    expect(() => parseIotSql(sql)).toThrow(/nest deeper than 200 levels/);
  });

  it('refuses an expression tree deeper than 1000 levels, which would exhaust the stack', () => {
    // Prepare
    const sql = `SELECT VALUE a${' + a'.repeat(1500)} FROM 'a/b'`;
    // Act / Assess
    expect(() => parseIotSql(sql)).toThrow(/nests deeper than 1000 levels/);
  });

  it('folds long runs of signs and NOTs without recursion', () => {
    // Prepare
    const rule = compileIotSql(`SELECT VALUE ${'-'.repeat(500)}5 AS x FROM 'a/b'`.replace(' AS x', ''));
    // Act
    const result = evaluateIotSql(rule, message('{}'));
    // Assess
    expect(result.fired && result.json).toBe(5);
  });
});

describe('Function: checkIotSql', () => {
  it('accepts a parsed statement whose functions all run locally', () => {
    // Act / Assess
    expect(() =>
      checkIotSql(parseIotSql("SELECT topic(2) AS t, timestamp() AS ts FROM 'a/+'")),
    ).not.toThrow();
  });

  it('names the AWS-only function, its position and that it runs only on AWS', () => {
    // Prepare
    const stmt = parseIotSql("SELECT * FROM 'a/b' WHERE get_thing_shadow('t', 'arn').state.x = 1");
    // Act
    let thrown: unknown;
    try {
      checkIotSql(stmt);
    } catch (error) {
      thrown = error;
    }
    // Assess
    expect(thrown).toBeInstanceOf(IotSqlCheckError);
    expect(thrown).toMatchObject({ functionName: 'get_thing_shadow', position: 27 });
    expect((thrown as Error).message).toMatch(/runs only on AWS IoT Core/);
  });

  it('gives the arity it wants', () => {
    // Act / Assess
    expect(() => compileIotSql("SELECT substring('a', 1, 2, 3) AS s FROM 'a/b'")).toThrow(
      'substring() takes 2 to 3 arguments, got 4',
    );
    expect(() => compileIotSql("SELECT abs() AS s FROM 'a/b'")).toThrow('abs() takes 1 argument, got 0');
  });
});

describe('Function: evaluateIotSql', () => {
  it('evaluates one compiled rule for many messages', () => {
    // Prepare
    const rule = compileIotSql("SELECT VALUE t * 2 FROM 'a/+' WHERE t > 1");
    // Act
    const results = [1, 2, 3].map((t) => evaluateIotSql(rule, message(JSON.stringify({ t }))));
    // Assess
    expect(results.map((r) => (r.fired ? r.json : r.reason))).toEqual(['where', 4, 6]);
  });

  it('reads the payload JSON only when the statement needs it', () => {
    // Prepare: a payload that is not JSON, and a rule that never reads it as JSON.
    const rule = compileIotSql("SELECT topic(1) AS t, clientid() AS c FROM 'a/#'");
    // Act
    const result = evaluateIotSql(rule, message('\u0000not json', 'a/b'), { clientId: 'door' });
    // Assess
    expect(result.fired && result.json).toEqual({ t: 'a', c: 'door' });
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    // Prepare
    const backing = Buffer.from('xx{"a":1}yy');
    const payload = new Uint8Array(backing.buffer, backing.byteOffset + 2, 7);
    // Act
    const result = evaluateIotSql(compileIotSql("SELECT a, encode(*, 'base64') AS raw FROM 'a/b'"), {
      topic: 'a/b',
      payload,
    });
    // Assess
    expect(result.fired && result.json).toEqual({ a: 1, raw: Buffer.from('{"a":1}').toString('base64') });
  });

  it('throws IotSqlEvaluationError for a message without a topic or bytes', () => {
    // Prepare
    const rule = compileIotSql("SELECT * FROM 'a/b'");
    // Act / Assess
    expect(() => evaluateIotSql(rule, { topic: 'a/b', payload: '{}' as unknown as Uint8Array })).toThrow(
      IotSqlEvaluationError,
    );
    expect(() =>
      evaluateIotSql(rule, undefined as unknown as { topic: string; payload: Uint8Array }),
    ).toThrow('a message needs a string topic and a Uint8Array payload');
  });

  it('turns a payload too deep to serialize into a rule error, not a crash', () => {
    // Prepare
    const depth = 100_000;
    const payload = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // Act / Assess
    expect(() => evaluateIotSql(compileIotSql("SELECT * FROM 'a/b'"), message(payload))).toThrow(
      /too deeply nested to evaluate/,
    );
  });

  it('treats a JSON number beyond double range as no number', () => {
    // Act
    const result = evaluateIotSql(compileIotSql("SELECT VALUE abs(n) FROM 'a/b'"), message('{"n": 1E999}'));
    // Assess
    expect(result).toEqual({ fired: true, payload: Buffer.alloc(0), json: undefined });
  });

  it('uses the real clock, random UUIDs and Math.random when none are injected', () => {
    // Prepare
    const before = Date.now();
    // Act
    const result = evaluateIotSql(
      compileIotSql("SELECT timestamp() AS t, newuuid() AS u, rand() AS r FROM 'a/b'"),
      message('{}'),
    );
    // Assess
    const json = (result.fired ? result.json : {}) as { t: number; u: string; r: number };
    expect(json.t).toBeGreaterThanOrEqual(before);
    expect(json.r).toBeGreaterThanOrEqual(0);
    expect(json.r).toBeLessThan(1);
    expect(json.u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('String functions: replacement strings', () => {
  const value = (sql: string, payload: object) => {
    const result = evaluateIotSql(
      compileIotSql(`SELECT ${sql} AS r FROM 'a/b'`),
      message(JSON.stringify(payload)),
    );
    return result.fired ? (result.json as { r?: unknown }).r : result.reason;
  };

  it.each([
    ['a.b', '.', '$$', 'a$$b'],
    ['abc', 'b', "$&-$`-$'", "a$&-$`-$'c"],
    ['abc', 'b', '$1\\', 'a$1\\c'],
    ['abcdabcd', 'b', 'x', 'axcdaxcd'],
  ])('replace(%j, %j, %j) substitutes the replacement literally: %j', (s, find, by, expected) => {
    // Act / Assess
    expect(value('replace(s, find, by)', { s, find, by })).toBe(expected);
  });

  it.each([
    // The guide's examples (Functions, regexp_replace).
    ['abcd', 'bc', 'x', 'axd'],
    ['abcd', 'b(.*)d', '$1', 'ac'],
    // Java's Matcher.replaceAll: $n and ${name} are groups, \ escapes the next character.
    ['abc', 'b', '[$0]', 'a[b]c'],
    ['ab', '(a)', '$12', 'a2b'],
    ['b', '(a)?b', '[$1]', '[]'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Java's named-group reference, not a template
    ['ab', '(?<n>a)', '${n}${n}', 'aab'],
    ['a.b', '[.]', '\\$', 'a$b'],
    ['a.b', '[.]', '\\\\', 'a\\b'],
    ['a.b', '[.]', '\\x', 'axb'],
    // Anything else after $ is not a valid replacement string: Undefined, as the guide says.
    ['abc', 'b', '$&', undefined],
    ['abc', 'b', '$$', undefined],
    ['abc', 'b', "$'", undefined],
    ['abc', 'b', 'x$', undefined],
    ['abc', 'b', 'x\\', undefined],
    ['abc', '(b)', '$2', undefined],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Java's named-group reference, not a template
    ['abc', 'b', '${n}', undefined],
    // Java checks the replacement only at a match.
    ['abc', 'x', '$', 'abc'],
  ])('regexp_replace(%j, %j, %j) = %j', (s, p, by, expected) => {
    // Act / Assess
    expect(value('regexp_replace(s, p, by)', { s, p, by })).toBe(expected);
  });
});

describe('Keys: __proto__ and constructor are ordinary JSON keys', () => {
  const run = (sql: string, payload: string) => {
    const result = evaluateIotSql(compileIotSql(sql), message(payload));
    return result.fired ? result.payload.toString() : result.reason;
  };

  it('builds a dotted alias under __proto__ as a key, without touching Object.prototype', () => {
    // Act
    const out = run("SELECT a AS __proto__.polluted, a AS constructor.x FROM 'a/b'", '{"a":"yes"}');
    // Assess
    expect(out).toBe('{"__proto__":{"polluted":"yes"},"constructor":{"x":"yes"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["SELECT a AS __proto__ FROM 'a/b'", '{"a":{"p":1}}', '{"__proto__":{"p":1}}'],
    ["SELECT a AS constructor FROM 'a/b'", '{"a":5}', '{"constructor":5}'],
    ["SELECT *, 1 AS x FROM 'a/b'", '{"__proto__":{"p":1},"a":2}', '{"__proto__":{"p":1},"a":2,"x":1}'],
    ["SELECT VALUE {'__proto__': a, 'b': 1} FROM 'a/b'", '{"a":{"p":1}}', '{"__proto__":{"p":1},"b":1}'],
    ["SELECT VALUE (SELECT v AS __proto__ FROM arr) FROM 'a/b'", '{"arr":[{"v":1}]}', '[{"__proto__":1}]'],
    ["SELECT VALUE __proto__.p FROM 'a/b'", '{"__proto__":{"p":1}}', '1'],
    ["SELECT VALUE get(*, '__proto__') FROM 'a/b'", '{"__proto__":{"p":1}}', '{"p":1}'],
    ["SELECT VALUE isUndefined(constructor) FROM 'a/b'", '{}', 'true'],
    [
      "SELECT VALUE transform('enrichArray', o, arr) FROM 'a/b'",
      '{"o":{"__proto__":{"p":1}},"arr":[{"a":1}]}',
      '[{"a":1,"__proto__":{"p":1}}]',
    ],
  ])('%s on %s gives %s', (sql, payload, expected) => {
    // Act / Assess
    expect(run(sql, payload)).toBe(expected);
  });

  it.each(['constructor', '__proto__', 'hasownproperty'])('refuses %s() as an unknown function', (name) => {
    // Act / Assess
    expect(() => compileIotSql(`SELECT ${name}(1) AS x FROM 'a/b'`)).toThrow(`unknown function ${name}()`);
  });
});

describe('Regular expressions: catastrophic backtracking', () => {
  // 27 characters: seconds for a backtracking engine (each one more doubles it), so that
  // without the fallback the test fails on its bound rather than hanging the worker.
  const input = `${'a'.repeat(26)}b`;
  it.each([
    ["regexp_matches(s, '^(a|a)*$')", false],
    ["regexp_replace(s, '^(a+)+$', 'x')", input],
    ["regexp_substr(s, '^(a|a)+$')", ''],
  ])('%s on a 27-character input answers within a second', (call, expected) => {
    // Prepare
    const rule = compileIotSql(`SELECT ${call} AS r FROM 'a/b'`);
    const payload = JSON.stringify({ s: input });
    // Act
    const start = performance.now();
    const result = evaluateIotSql(rule, message(payload));
    const elapsed = performance.now() - start;
    // Assess
    expect(result.fired && result.json).toEqual({ r: expected });
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('Function: topicMatchesIotFilter', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b/c', 'a/b', false],
    ['a/+/c', 'a/b/d', false],
    ['a/#', 'a', false],
    ['a/#', 'a/', true],
    ['#', '$aws/x', false],
    ['$aws/#', '$aws/x', true],
    ['a/+', '', false],
    ['+', 'x', true],
  ])('matches filter %j against topic %j: %s', (filter, topic, expected) => {
    // Act / Assess
    expect(topicMatchesIotFilter(filter, topic)).toBe(expected);
  });
});

describe('Function: topicFilterProblem', () => {
  it.each([
    ['a/b', undefined],
    ['', 'it is empty'],
    ['a/\u0000', 'it contains the null character'],
    ['a/#/b', '# must be the whole last level'],
    ['a#', '# must be the whole last level'],
    ['a/b+', '+ must be a whole level'],
  ])('says what is wrong with %j', (filter, problem) => {
    // Act / Assess
    expect(topicFilterProblem(filter)).toBe(problem);
  });
});

describe('Caches: regular expressions, time zones and time patterns', () => {
  it('keeps answering correctly after more distinct patterns and zones than the caches hold', () => {
    // Prepare
    const regex = compileIotSql("SELECT VALUE regexp_matches(s, p) FROM 'a/b'");
    const time = compileIotSql("SELECT VALUE parse_time('yyyy', 0, z) FROM 'a/b'");
    const epoch = compileIotSql("SELECT VALUE time_to_epoch(t, p) FROM 'a/b'");
    // Act
    const matches = Array.from({ length: 300 }, (_, i) =>
      evaluateIotSql(regex, message(JSON.stringify({ s: `x${i}`, p: `^x${i}$` }))),
    );
    const years = Array.from({ length: 520 }, (_, i) =>
      evaluateIotSql(time, message(JSON.stringify({ z: i === 519 ? 'UTC' : `Nowhere/Zone${i}` }))),
    );
    const epochs = Array.from({ length: 300 }, (_, i) =>
      evaluateIotSql(epoch, message(JSON.stringify({ t: `1970 ${i}`, p: `yyyy '${i}'` }))),
    );
    // Assess
    expect(matches.every((r) => r.fired && r.json === true)).toBe(true);
    expect(epochs.every((r) => r.fired && r.json === 0)).toBe(true);
    expect(
      years.filter((r) => r.fired && r.payload.length > 0).map((r) => r.fired && r.payload.toString()),
    ).toEqual(['1970']);
  });
});

describe('README', () => {
  it('gives the output its example shows', () => {
    // Prepare
    const rule = compileIotSql(
      "SELECT temperature AS t, topic(2) AS room FROM 'rooms/+/temp' WHERE temperature > 20",
    );
    // Act
    const result = evaluateIotSql(
      rule,
      { topic: 'rooms/kitchen/temp', payload: Buffer.from('{"temperature":23}') },
      { clientId: 'sensor-1', now: () => Date.now(), newUuid: () => crypto.randomUUID() },
    );
    // Assess
    expect(result).toEqual({
      fired: true,
      payload: Buffer.from('{"t":23,"room":"kitchen"}'),
      json: { t: 23, room: 'kitchen' },
    });
  });
});
