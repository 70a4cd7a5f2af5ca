/**
 * `npm run bench:rules`: messages per second through the IoT SQL evaluator, for the
 * project's ingest rule (EVENTS_RULE, the hot path of every door event), the presence rule
 * (SELECT * needs the payload parsed) and a 50-function statement. Goal: EVENTS_RULE under
 * 5 µs a message.
 *
 * Peer: there is no other JavaScript IoT SQL implementation, so the floor in the same run
 * is JSON.parse + JSON.stringify of the same payloads (what any JSON-in, JSON-out rule must
 * at least do); `ratio` is our µs/message over the floor's.
 * Protocol: one warm-up pass, five timed passes, medians. BENCH_MESSAGES sets the message
 * count (default 200,000).
 */
import { benchCommand } from '../../scripts/bench/options.js';
import { median, printTable, report } from '../../scripts/bench/report.js';
import { EVENTS_RULE, PRESENCE_RULE } from '../src/definitions/iot-rules.js';
import { type CompiledIotSql, compileIotSql, evaluateIotSql } from '../src/iot-sql/index.js';

benchCommand(
  'bench:rules',
  'Messages per second through the IoT SQL evaluator, beside JSON.parse + JSON.stringify of the same payloads. BENCH_MESSAGES sets the count (200,000)',
).parse();
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const PASSES = 5;
const FLOOR = 'JSON.parse+JSON.stringify';

/** One warm-up, five timed passes; the median pass in seconds. */
function timed(pass: () => void): number {
  pass();
  const seconds: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    const start = performance.now();
    pass();
    seconds.push((performance.now() - start) / 1000);
  }
  return median(seconds);
}

interface Message {
  topic: string;
  payload: Buffer;
}

/** Door events as the agent publishes them (shared/src/events/device-event.ts), ~230 bytes each. */
function doorEvents(n: number): Message[] {
  const states = ['open', 'closed'];
  return Array.from({ length: n }, (_, i) => {
    const thing = `door-${String(i % 500).padStart(3, '0')}`;
    const event = {
      schemaVersion: 1,
      type: 'door.state.changed',
      thingName: thing,
      seq: i,
      occurredAt: new Date(1_763_812_800_000 + i * 1000).toISOString(),
      idempotencyKey: `0193a1b2-7c3d-7e4f-8a5b-${String(i).padStart(12, '0')}`,
      state: states[i % 2],
    };
    return { topic: `smartdoor/${thing}/events`, payload: Buffer.from(JSON.stringify(event)) };
  });
}

/** Lifecycle events as IoT Core publishes them. */
function presenceEvents(n: number): Message[] {
  return Array.from({ length: n }, (_, i) => {
    const clientId = `door-${String(i % 500).padStart(3, '0')}`;
    const kind = i % 2 ? 'disconnected' : 'connected';
    const event = {
      clientId,
      timestamp: 1_763_812_800_000 + i,
      eventType: kind,
      sessionIdentifier: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      principalIdentifier: 'ba67293af50bf2506f5f93469686da660c7c844e7b3950bfb16813e0d31e9373',
      versionNumber: i,
    };
    return { topic: `$aws/events/presence/${kind}/${clientId}`, payload: Buffer.from(JSON.stringify(event)) };
  });
}

/** Fifty function calls over a door event: math, bits, strings, regexes, hashes, encodings, time. */
const FIFTY_FUNCTIONS = [
  'abs(seq)',
  'ceil(seq / 3.0)',
  'floor(seq / 7.0)',
  'round(seq / 9.0)',
  'sign(seq)',
  'sqrt(seq)',
  'power(seq, 2)',
  'mod(seq, 7)',
  'log(seq + 1)',
  'ln(seq + 1)',
  'exp(1)',
  'sin(seq)',
  'cos(seq)',
  'tan(seq)',
  'bitand(seq, 255)',
  'bitor(seq, 1)',
  'bitxor(seq, 3)',
  'bitnot(seq)',
  'trunc(seq / 3.0, 2)',
  'nanvl(missing, 0)',
  'lower(type)',
  'upper(state)',
  "concat(thingName, '-', seq)",
  'substring(idempotencyKey, 0, 8)',
  "trim(' x ')",
  "ltrim(' x')",
  "rtrim('x ')",
  "replace(type, '.', '_')",
  "indexof(type, 'state')",
  "startswith(thingName, 'door-')",
  "endswith(type, 'changed')",
  'length(idempotencyKey)',
  'numbytes(thingName)',
  'lpad(state, 8)',
  'rpad(state, 8)',
  'chr(65)',
  "regexp_matches(thingName, '^door-[0-9]+$')",
  "regexp_replace(occurredAt, '[-:]', '')",
  "regexp_substr(occurredAt, '[0-9]{4}')",
  'md5(idempotencyKey)',
  'sha1(idempotencyKey)',
  'sha256(idempotencyKey)',
  "encode(*, 'base64')",
  'topic(2)',
  'clientid()',
  'timestamp()',
  'cast(seq AS String)',
  'isNull(state)',
  'isUndefined(missing)',
  "parse_time('yyyy-MM-dd HH:mm', timestamp())",
];
const FIFTY_SQL = `SELECT ${FIFTY_FUNCTIONS.map((f, i) => `${f} AS f${i}`).join(', ')} FROM 'smartdoor/+/events'`;

function run(rule: CompiledIotSql, messages: Message[]): number {
  const ctx = { clientId: 'door-001', now: () => 1_763_812_800_000 };
  return timed(() => {
    for (const m of messages) {
      const r = evaluateIotSql(rule, m, ctx);
      if (!r.fired) throw new Error(`the rule did not fire for ${m.topic}`);
    }
  });
}

function floor(messages: Message[]): number {
  return timed(() => {
    for (const m of messages) JSON.stringify(JSON.parse(m.payload.toString('utf8')));
  });
}

function bench(name: string, sql: string, messages: Message[]): void {
  const compileStart = performance.now();
  const rule = compileIotSql(sql);
  const compileUs = (performance.now() - compileStart) * 1000;
  const seconds = run(rule, messages);
  const floorSeconds = floor(messages);
  const us = (seconds / messages.length) * 1e6;
  const floorUs = (floorSeconds / messages.length) * 1e6;
  const note = `${messages.length} messages, ~${messages[0]!.payload.length} bytes each`;
  report({ bench: name, metric: 'messages/s', value: messages.length / seconds, unit: 'msg/s', note });
  report({
    bench: name,
    metric: 'µs/message',
    value: us,
    unit: 'µs',
    peer: FLOOR,
    ratio: us / floorUs,
    note,
  });
  report({
    bench: name,
    metric: 'compile',
    value: compileUs,
    unit: 'µs',
    note: 'parse + check + compile, once per rule',
  });
}

const events = doorEvents(MESSAGES);
bench('iot-sql EVENTS_RULE', EVENTS_RULE.sql, events);
bench('iot-sql PRESENCE_RULE', PRESENCE_RULE.sql, presenceEvents(MESSAGES));
bench('iot-sql 50 functions', FIFTY_SQL, events.slice(0, Math.max(1, Math.floor(MESSAGES / 10))));
printTable();
