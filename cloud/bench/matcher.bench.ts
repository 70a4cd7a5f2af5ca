/**
 * `npm run bench:matcher`: the event-pattern matcher on event-ruler's benchmark (14 rule
 * types x 5 rules over 213,068 city-lots features; here generated, see city-lots-generator.ts),
 * plus mixed sets of 100 and 10,000 rules, and the same inputs through the matcher of
 * serverless-offline-aws-eventbridge in the same run.
 * Protocol: one warm-up pass, five timed passes, medians. BENCH_EVENTS shrinks the event
 * count; BENCH_PEER_EVENTS the peer's (it is ~100x slower: by default it gets the first 5,000).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { median, printTable, report } from '../../scripts/bench/report.js';
import { RuleMatcher } from '../src/event-pattern/index.js';
import { CITY_LOTS_COUNT, type CityLot, cityLots, seededRandom } from './city-lots-generator.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? CITY_LOTS_COUNT);
const PEER_EVENTS = Math.min(EVENTS, Number(process.env.BENCH_PEER_EVENTS ?? 5_000));
const PASSES = 5;
const PEER = 'serverless-offline-aws-eventbridge@2.2.4';

interface RuleType {
  rules: object[];
  expectedMatchCountsOverCitylots2: number[];
  readmeEventsPerSecond: string | null;
}
const spec = JSON.parse(
  readFileSync(new URL('./eventruler-benchmark-rules.json', import.meta.url), 'utf8'),
) as {
  ruleTypes: Record<string, RuleType>;
};

/**
 * The peer's matcher: the plugin class's verifyIfValueMatchesEventBridgePatterns
 * (dist/src/index.js), driven as its verifyIsSubscribed drives it for `detail`: flatten the
 * pattern, then every flattened field must match (jsonpath queries per field).
 */
type PeerPlugin = {
  flattenObject(o: object): Record<string, unknown>;
  verifyIfValueMatchesEventBridgePatterns(o: object, field: string, patterns: unknown): boolean;
};
const Plugin = createRequire(import.meta.url)('serverless-offline-aws-eventbridge') as { prototype: object };
const peer = Object.create(Plugin.prototype) as PeerPlugin;
const peerMatches = (flat: [string, unknown][], event: object): boolean =>
  flat.every(([field, values]) => peer.verifyIfValueMatchesEventBridgePatterns(event, field, values));

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

process.stderr.write(`generating ${EVENTS} city-lots events...\n`);
const objects: CityLot[] = [...cityLots(EVENTS)];
const texts = objects.map((o) => JSON.stringify(o));
const avgBytes = Math.round(texts.reduce((s, t) => s + t.length, 0) / texts.length);
const peerObjects = objects.slice(0, PEER_EVENTS);
const peerTexts = texts.slice(0, PEER_EVENTS);

/** Our matcher over `events` with `rules` held; per-rule match counts of the last pass. */
function ours(rules: object[], input: 'objects' | 'json', events: number): { eps: number; counts: number[] } {
  const matcher = new RuleMatcher<number>();
  for (const [i, r] of rules.entries()) matcher.add(i, r);
  const counts = new Array<number>(rules.length).fill(0);
  const pass =
    input === 'objects'
      ? () => {
          counts.fill(0);
          for (let i = 0; i < events; i++) for (const k of matcher.matchesFor(objects[i]!)) counts[k]!++;
        }
      : () => {
          counts.fill(0);
          for (let i = 0; i < events; i++) for (const k of matcher.matchesForJson(texts[i]!)) counts[k]!++;
        };
  return { eps: events / timed(pass), counts };
}

/** The peer over its events; undefined with the error text if it throws. */
function theirs(rules: object[], input: 'objects' | 'json'): { eps: number; counts: number[] } | string {
  const flats = rules.map((r) => Object.entries(peer.flattenObject(r)));
  const counts = new Array<number>(rules.length).fill(0);
  const pass = () => {
    counts.fill(0);
    for (let i = 0; i < PEER_EVENTS; i++) {
      // The plugin itself JSON.parses each entry's Detail: that is its "from JSON" path.
      const event = input === 'objects' ? peerObjects[i]! : (JSON.parse(peerTexts[i]!) as object);
      for (let k = 0; k < flats.length; k++) if (peerMatches(flats[k]!, event)) counts[k]!++;
    }
  };
  try {
    return { eps: PEER_EVENTS / timed(pass), counts };
  } catch (e) {
    return (e as Error).message.split('.')[0]!;
  }
}

function compareRow(bench: string, rules: object[], extraNote: string): void {
  for (const input of ['objects', 'json'] as const) {
    const mine = ours(rules, input, EVENTS);
    const check = ours(rules, 'objects', PEER_EVENTS).counts; // our answer on the peer's events
    const them = theirs(rules, input);
    const metric = `${bench} from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`;
    let peerNote: string;
    let ratio: number | undefined;
    if (typeof them === 'string') peerNote = `peer cannot run it: ${them}`;
    else if (them.counts.join() !== check.join()) {
      peerNote = `peer gets it wrong: match counts [${them.counts}] vs ours [${check}] on ${PEER_EVENTS} events (${Math.round(them.eps)} events/s)`;
    } else {
      ratio = mine.eps / them.eps;
      peerNote = `peer ${Math.round(them.eps)} events/s on the first ${PEER_EVENTS} events, same matches`;
    }
    report({
      bench: 'matcher',
      metric,
      value: mine.eps,
      unit: 'events/s',
      ...(ratio === undefined ? {} : { peer: PEER, ratio }),
      note: `${EVENTS} events of ${avgBytes} B; matches per rule [${mine.counts}]; ${extraNote}; ${peerNote}`,
    });
  }
}

for (const [name, type] of Object.entries(spec.ruleTypes)) {
  compareRow(
    name,
    type.rules,
    `event-ruler README ${type.readmeEventsPerSecond ?? 'n/a'} events/s, its citylots2 counts [${type.expectedMatchCountsOverCitylots2}]`,
  );
}

/**
 * Mixed sets: the 70 benchmark rules, then variants of the 14 types (round robin) whose
 * operands come from one sampled event and are as selective as the originals' rarest rules
 * (a lot id, its block, a narrow coordinate window), so that the matches per event stay about
 * the same from 100 to 10,000 rules and the rows measure lookup, not output. The anything-but
 * variants also name their event's MAPBLKLOT: alone they match nearly every event.
 */
function mixedRules(n: number): object[] {
  const random = seededRandom(n);
  const base = Object.values(spec.ruleTypes).flatMap((t) => t.rules);
  const names = Object.keys(spec.ruleTypes);
  const out = base.slice(0, n);
  for (let i = out.length; i < n; i++) {
    const e = objects[Math.floor(random() * objects.length)]!;
    const p = e.properties as Record<string, string>;
    const street = p.STREET!;
    const lot = p.MAPBLKLOT!;
    const x = e.geometry.firstCoordinates.x;
    const props = (v: object) => ({ properties: v });
    const butLot = (v: unknown) => props({ MAPBLKLOT: [lot], STREET: [{ 'anything-but': v }] });
    const rule: Record<string, object> = {
      EXACT: props({ MAPBLKLOT: [lot] }),
      WILDCARD: props({ MAPBLKLOT: [{ wildcard: `${lot.slice(0, 4)}*${lot.slice(-2)}` }] }),
      PREFIX: props({ BLKLOT: [{ prefix: lot.slice(0, 6) }] }),
      PREFIX_EQUALS_IGNORE_CASE: props({ BLKLOT: [{ prefix: { 'equals-ignore-case': lot.slice(0, 6) } }] }),
      SUFFIX: props({ BLKLOT: [{ suffix: lot.slice(-6) }] }),
      SUFFIX_EQUALS_IGNORE_CASE: props({ BLKLOT: [{ suffix: { 'equals-ignore-case': lot.slice(-6) } }] }),
      EQUALS_IGNORE_CASE: props({ BLKLOT: [{ 'equals-ignore-case': lot }] }),
      NUMERIC: { geometry: { firstCoordinates: { x: [{ numeric: ['>', x - 0.00001, '<', x + 0.00001] }] } } },
      ANYTHING_BUT: butLot([street]),
      ANYTHING_BUT_IGNORE_CASE: butLot({ 'equals-ignore-case': [street.toLowerCase()] }),
      ANYTHING_BUT_PREFIX: butLot({ prefix: street.slice(0, 2) }),
      ANYTHING_BUT_SUFFIX: butLot({ suffix: street.slice(-2) }),
      ANYTHING_BUT_WILDCARD: props({
        MAPBLKLOT: [lot],
        BLOCK_NUM: [{ 'anything-but': { wildcard: `${lot.slice(0, 3)}*` } }],
      }),
      COMPLEX_ARRAYS: {
        geometry: { coordinates: { x: [{ numeric: ['>', x - 0.000005, '<', x + 0.000005] }] } },
      },
    };
    out.push(rule[names[i % names.length]!]!);
  }
  return out;
}

const mixedEps = new Map<string, number>();
for (const n of [100, 10_000]) {
  const rules = mixedRules(n);
  for (const input of ['objects', 'json'] as const) {
    const mine = ours(rules, input, EVENTS);
    mixedEps.set(`${n} ${input}`, mine.eps);
    const matches = mine.counts.reduce((s, c) => s + c, 0) / EVENTS;
    report({
      bench: 'matcher',
      metric: `mixed ${n} rules from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`,
      value: mine.eps,
      unit: 'events/s',
      note: `${EVENTS} events; ${matches.toFixed(2)} matches per event; peer cannot run it: the set has wildcard rules (it throws "not supported") and forms it gets wrong (see the rows above)`,
    });
  }
}
for (const input of ['objects', 'json'] as const) {
  report({
    bench: 'matcher',
    metric: `cost of 10000 rules / cost of 100 rules, from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`,
    value: mixedEps.get(`100 ${input}`)! / mixedEps.get(`10000 ${input}`)!,
    unit: 'x',
    note: '1 would be perfectly flat; matches per event are about equal in both sets',
  });
}
report({
  bench: 'matcher',
  metric: 'load average at the end of the run',
  value: loadavg()[0]!,
  unit: 'runnable',
  note: `${cpus().length} cores, shared with other work: medians under contention understate the matcher`,
});

printTable();
